// The Pulumi program (infra issue) is built here from the shared resource definition.
export { resourceDefinition, physicalNames } from '@ocr-jobs/core';
