// The conformance suite with `batchPayloads` on (issue 28): batches stored as one row each.
import { describeSqliteConformance } from './describe-sqlite-conformance';

describeSqliteConformance(true);
