import * as path from 'path';
import * as fc from 'fast-check';
import { dockerfileIn } from '../lib/targets/dockerfile-path';

// Compose's and bake's build.dockerfile is the Dockerfile's path relative to the build context; Node's own
// path.posix.relative is the reference.
describe('the Dockerfile path relative to its build context (fast-check, fixed seed)', () => {
  const segment = fc.constantFrom('a', 'b', 'ab', 'a.b', '...', '.x', 'x-y', '_', 'dist', 'docker', 'images', 'Dockerfile', '.', '..');
  const relative = fc.array(segment, { minLength: 1, maxLength: 5 }).map((xs) => xs.join('/'));

  test('is what path.posix.relative gives, for clean paths and for paths with . and .. segments', () => {
    fc.assert(fc.property(relative, relative, (context, dockerfile) => {
      expect(dockerfileIn(context, dockerfile)).toBe(path.posix.relative(context, dockerfile));
      // asked again (from the cache)
      expect(dockerfileIn(context, dockerfile)).toBe(path.posix.relative(context, dockerfile));
    }), { seed: 20261201, numRuns: 5000 });
  });

  test('a synthesized Dockerfile and a Dockerfile of the context', () => {
    expect(dockerfileIn('services/sk-regression', 'dist/docker/images/sk-regression/Dockerfile')).toBe('../../dist/docker/images/sk-regression/Dockerfile');
    expect(dockerfileIn('services/svc', 'services/svc/Dockerfile')).toBe('Dockerfile');
  });
});
