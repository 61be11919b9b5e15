// The conformance suite with `batchPayloads` on (issue 28): batches stored as one row each, and
// its statements sent as named prepared statements (`preparedStatements`).
import { describePostgresConformance } from './describe-postgres-conformance';

describePostgresConformance(true);
