import { buildStack } from './stack';

// Run by `npx cdk8s synth` (see cdk8s.yaml) and `npm run synth`: writes dist/ all or nothing.
buildStack().synth();
