import { requireFreshBuild } from '../../../../tests/support/built-output';
import {
  reportsOf,
  startFixture,
  type Child,
  type ChildEnd,
} from '../../../state-sequelize/tests/support/children';

export { reportsOf, type Child, type ChildEnd };

/** Child processes run the built packages: fail clearly when they are not built or stale. */
export function requireBuild(): void {
  requireFreshBuild('distributed', 'state-sql', 'state-prisma');
}

/** Starts `fixtures/<script>` of this package with `env` added to this process's environment. */
export function startChild<Report>(script: string, env: Record<string, string>): Child<Report> {
  return startFixture(new URL('../fixtures/', import.meta.url), script, env);
}
