import { describeSequelizeConformance } from './describe-sequelize-conformance';

describeSequelizeConformance(false);
