import { describePrismaConformance, EVERY_PRISMA } from './describe-prisma-conformance';

describePrismaConformance(EVERY_PRISMA, false);
