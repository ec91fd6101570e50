import { synthOrExit } from '../lib';
import { buildStack } from './stack';

// Run by `npx cdk8s synth` (see cdk8s.yaml) and `npm run synth`: writes dist/ all or nothing; a declaration with
// problems prints them (no stack trace) and exits 1.
synthOrExit(() => buildStack());
