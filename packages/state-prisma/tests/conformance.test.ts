// Prisma 7 on PostgreSQL and SQLite; the other runs are in conformance-matrix.test.ts (test:slow).
import { describePrismaConformance, PRISMA_QUICK } from './describe-prisma-conformance';

describePrismaConformance(PRISMA_QUICK, false);
