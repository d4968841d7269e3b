import path from 'node:path';
import * as aws from '@pulumi/aws';
import * as dockerBuild from '@pulumi/docker-build';
import * as pulumi from '@pulumi/pulumi';

export const SERVICES = ['jobs-api', 'ocr-worker', 'audit-logger'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface ImagesArgs {
  prefix: string;
  /** The repository root: every Dockerfile is built with it as the context (they `turbo prune`). */
  contextDir: string;
  cpuArchitecture: 'X86_64' | 'ARM64';
  /** Prebuilt image URIs to deploy instead of building; such a service gets no repository. */
  prebuilt: Partial<Record<ServiceName, string>>;
  forceDestroy: boolean;
}

/**
 * One ECR repository per service (scanned on push) and the image built from
 * `services/<service>/Dockerfile` with BuildKit and pushed there. Tasks reference the pushed digest,
 * so a deploy changes the task definition exactly when an image's content changed.
 */
export class Images extends pulumi.ComponentResource {
  readonly repositories: Partial<Record<ServiceName, aws.ecr.Repository>> = {};
  readonly builds: Partial<Record<ServiceName, dockerBuild.Image>> = {};
  /** The image each service's task runs (repository@sha256:… when built here). */
  readonly refs: Record<ServiceName, pulumi.Output<string>>;

  constructor(name: string, args: ImagesArgs, opts?: pulumi.ComponentResourceOptions) {
    super('ocr-jobs:images:Images', name, {}, opts);
    const parent = { parent: this };
    const platform =
      args.cpuArchitecture === 'ARM64' ? dockerBuild.Platform.Linux_arm64 : dockerBuild.Platform.Linux_amd64;
    const refs: Partial<Record<ServiceName, pulumi.Output<string>>> = {};
    for (const service of SERVICES) {
      const prebuilt = args.prebuilt[service];
      if (prebuilt) {
        refs[service] = pulumi.output(prebuilt);
        continue;
      }
      const repository = new aws.ecr.Repository(
        `${name}-${service}`,
        {
          name: `${args.prefix}/${service}`,
          imageScanningConfiguration: { scanOnPush: true },
          imageTagMutability: 'MUTABLE',
          encryptionConfigurations: [{ encryptionType: 'AES256' }],
          forceDelete: args.forceDestroy,
        },
        parent,
      );
      new aws.ecr.LifecyclePolicy(
        `${name}-${service}`,
        {
          repository: repository.name,
          policy: JSON.stringify({
            rules: [
              {
                rulePriority: 1,
                description: 'keep the 10 newest images',
                selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 10 },
                action: { type: 'expire' },
              },
            ],
          }),
        },
        parent,
      );
      const token = aws.ecr.getAuthorizationTokenOutput({ registryId: repository.registryId }, parent);
      const image = new dockerBuild.Image(
        `${name}-${service}`,
        {
          context: { location: args.contextDir },
          dockerfile: { location: path.join(args.contextDir, 'services', service, 'Dockerfile') },
          platforms: [platform],
          push: true,
          tags: [pulumi.interpolate`${repository.repositoryUrl}:latest`],
          registries: [
            { address: repository.repositoryUrl, username: token.userName, password: token.password },
          ],
        },
        parent,
      );
      this.repositories[service] = repository;
      this.builds[service] = image;
      refs[service] = image.ref;
    }
    this.refs = refs as Record<ServiceName, pulumi.Output<string>>;
    this.registerOutputs({});
  }
}
