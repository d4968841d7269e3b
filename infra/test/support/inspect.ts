import type { Declared, Deployment } from './deploy';

export interface PolicyStatement {
  Sid?: string;
  Effect: string;
  Action: string[];
  Resource: string[] | '*';
  Condition?: Record<string, Record<string, unknown>>;
}

/** The statements of the inline policy attached to a role (by the role's logical name). */
export function statementsOf(d: Deployment, roleName: string): PolicyStatement[] {
  const policy = d.get('aws:iam/rolePolicy:RolePolicy', roleName);
  return (JSON.parse(policy.inputs.policy) as { Statement: PolicyStatement[] }).Statement;
}

/** The single container of a task definition. */
export function containerOf(taskDefinition: Declared) {
  const containers = JSON.parse(taskDefinition.inputs.containerDefinitions) as Array<{
    name: string;
    image: string;
    command?: string[];
    environment: Array<{ name: string; value: string }>;
    secrets: Array<{ name: string; valueFrom: string }>;
    portMappings?: Array<{ containerPort: number }>;
    stopTimeout: number;
    logConfiguration: { logDriver: string; options: Record<string, string> };
  }>;
  expect(containers).toHaveLength(1);
  const container = containers[0]!;
  return {
    ...container,
    env: Object.fromEntries(container.environment.map((e) => [e.name, e.value])),
    secretsByName: Object.fromEntries(container.secrets.map((s) => [s.name, s.valueFrom])),
  };
}

/** Actions a statement grants, whatever their service. */
export const actionsOf = (statements: PolicyStatement[]) => statements.flatMap((s) => s.Action);
