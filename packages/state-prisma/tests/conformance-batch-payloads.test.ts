// The conformance suite with `batchPayloads` on (issue 28): Prisma 7 on every database.
import { describePrismaConformance, PRISMA_7 } from './describe-prisma-conformance';

describePrismaConformance(PRISMA_7, true);
