import { createTRPCReact, type CreateTRPCReact } from '@trpc/react-query';
import type { AppRouter } from '../../server/api/root.js';

/** The typed React hooks: `trpc.chat.list.useInfiniteQuery(…)`, `trpc.files.remove.useMutation()`, … */
export const trpc: CreateTRPCReact<AppRouter, unknown> = createTRPCReact<AppRouter>();
