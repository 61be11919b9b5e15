import { describePostgresConformance } from './describe-postgres-conformance';

describePostgresConformance(false);
