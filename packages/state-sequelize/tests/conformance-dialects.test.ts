// The conformance suite through Sequelize on PostgreSQL and SQLite (MariaDB: conformance.test.ts),
// a slow suite: the SQL is the shared store's, which npm test runs on both databases already.
import { describeSequelizeConformance } from './describe-sequelize-conformance';

describeSequelizeConformance(false, ['postgres', 'sqlite']);
