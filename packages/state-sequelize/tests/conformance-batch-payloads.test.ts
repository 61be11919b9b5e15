// The conformance suite with `batchPayloads` on (issue 28), on every dialect.
import { describeSequelizeConformance } from './describe-sequelize-conformance';

describeSequelizeConformance(true);
