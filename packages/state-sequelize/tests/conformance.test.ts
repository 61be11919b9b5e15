// MariaDB in `npm test`: the database no other store reaches there. PostgreSQL and SQLite through
// Sequelize: conformance-dialects.test.ts, in `npm run test:slow` (CI runs it).
import { describeSequelizeConformance } from './describe-sequelize-conformance';

describeSequelizeConformance(false, ['mariadb']);
