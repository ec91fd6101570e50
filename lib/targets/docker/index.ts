import { ResolvedStack } from '../../model/model';
import { EmitFile, ReportProblem, Target } from '../target';
import { BAKE_FILE, renderBake } from './bake';
import { CONSTRAINTS_FILE, FETCHER_FILE, renderBaseDockerfile, renderDockerignore, renderServiceDockerfile } from './dockerfile';
import { packageFile } from '../../internal/package-file';
import { PUBLISH_WORKFLOW, renderPublishWorkflow } from './workflow';
import * as fs from 'fs';

/**
 * Docker images: the Dockerfiles of the base images and of the workloads that do not bring their own (each with a
 * Dockerfile-specific .dockerignore), and one bake file building them as a graph. It renders once per app.
 * @internal
 */
export const dockerTarget: Target = {
  name: 'docker',
  scope: 'app',

  check(_stack: ResolvedStack, _profiles: string[], _report: ReportProblem): void {
    // Every image rule (names, contexts, the BASE_IMAGE contract) is a rule of the declaration, checked by the resolver.
  },

  render(stack: ResolvedStack, _profiles: string[], emit: EmitFile): void {
    const inOut = (p: string) => p.slice(stack.outdir.length + 1);
    const fetcher = stack.baseImages.length ? fs.readFileSync(packageFile('lib/python/fetch_model.py'), 'utf8') : '';
    for (const b of stack.baseImages) {
      emit(`${b.dir}/Dockerfile`, renderBaseDockerfile(b));
      emit(`${b.dir}/${FETCHER_FILE}`, fetcher);
      if (b.constraints !== undefined) emit(`${b.dir}/${CONSTRAINTS_FILE}`, b.constraints);
    }
    for (const s of stack.serviceImages.filter((i) => i.synthesized)) {
      emit(inOut(s.dockerfile), renderServiceDockerfile(s));
      emit(`${inOut(s.dockerfile)}.dockerignore`, renderDockerignore(stack.outdir, s.contextIgnore));
    }
    if (stack.baseImages.length || stack.serviceImages.length) {
      emit(BAKE_FILE, `${JSON.stringify(renderBake(stack), null, 2)}\n`);
      emit(PUBLISH_WORKFLOW, renderPublishWorkflow(stack, stack.registry));
    }
  },
};
