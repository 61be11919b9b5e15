// Prisma 7 on MariaDB, Prisma 6 on PostgreSQL and SQLite: the runs of EVERY_PRISMA that
// conformance.test.ts leaves to `npm run test:slow` (CI runs it).
import { describePrismaConformance, PRISMA_MATRIX } from './describe-prisma-conformance';

describePrismaConformance(PRISMA_MATRIX, false);
