/**
 * Options for the queries the session layer keeps current from the session's events. Each new
 * component that shows one (an attachment chip, a reopened panel) would otherwise refetch it, and
 * that snapshot, taken before the latest events, could land after them and undo them.
 */
export const KEPT_CURRENT_BY_EVENTS = { staleTime: Number.POSITIVE_INFINITY } as const;
