/** One request as the host hands it to a route: the id that joins its log lines and audit rows, its client and its parsed target. */
export interface RequestScope {
  requestId: string;
  ip: string;
  url: URL;
}
