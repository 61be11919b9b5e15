import { describeSqliteConformance } from './describe-sqlite-conformance';

describeSqliteConformance(false);
