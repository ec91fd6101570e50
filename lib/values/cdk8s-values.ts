/*
 * cdk8s's Duration and Size, required from their own modules: cdk8s's index also loads App, Chart, ApiObject, the
 * `yaml` package and more (about 40 ms), none of which an MlApp uses. They are the same classes as cdk8s exports
 * (its index re-exports these modules), so values made with either import are interchangeable.
 */
export { Duration } from 'cdk8s/lib/duration';
export { Size } from 'cdk8s/lib/size';
