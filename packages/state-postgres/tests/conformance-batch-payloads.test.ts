// The conformance suite with `batchPayloads` on (issue 28): batches stored as one row each.
import { describePostgresConformance } from './describe-postgres-conformance';

describePostgresConformance(true);
