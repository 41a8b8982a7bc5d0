/**
 * An answer a fault hook gives in place of an endpoint's own (a 5xx, a dropped connection, a
 * raw body), or on top of it (latency, a slow or cut body). Tools and the model take the same
 * shape; `src/chaos/` builds them from a scenario's `faults:`.
 */
export interface Fault {
  /** Fault name recorded in the ledger entry's `fault`. */
  name: string;
  /**
   * The endpoint does its work anyway (the tool runs, the model plays its turn) and `respond`
   * reshapes its answer. Without it the work is not done and `respond` gets no answer.
   */
  passThrough?: boolean;
  /**
   * With `passThrough`: the reshaped answer cannot be read (a cut body). The tool still ran; the
   * model's turn is not spent on an answer the agent never got.
   */
  garbles?: boolean;
  /**
   * Over MCP: `http` (default) answers the HTTP request that carried the `tools/call` with this
   * fault's response; `result` hands its body text back as the tool's error result, in-band.
   */
  mcp?: 'http' | 'result';
  /** The answer to send. `Response.error()` drops the connection. */
  respond(normal?: Response): Response | Promise<Response>;
}
