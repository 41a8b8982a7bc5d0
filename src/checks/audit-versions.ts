import type { Ledger } from '../ledger/ledger.js';
import type { Finding } from '../runner/results.js';
import { modelLabel, sameModel } from '../world/audit-intake.js';
import { ADVERSARY_MODEL } from '../world/model/openai-chat.js';
import { recordsOfType } from './audit-view.js';
import { auditEvidence, fail, ledgerEvidence, pass } from './evidence.js';
import type { Check } from './types.js';

const CONTROL = 'audit.versions';

/**
 * run.started names the model the model endpoint was really asked for, and the tool schema
 * version the tools endpoint really served; every model.called names a model the endpoint saw.
 * An invariant: it compares the audit only with what the world served, so it holds for any
 * honest agent, and a wrong version is caught wherever it shows.
 */
export const auditVersionsCheck: Check = {
  control: CONTROL,
  section: 'audit',
  title: 'run.started logs the model the endpoint saw, the instructions version and the tool schema version served',
  invariant: true,
  run({ ledger, audit, spec }) {
    const started = recordsOfType(audit, 'run.started')[0];
    if (!started) return [];
    const findings: Finding[] = [];
    const { model, tool_schema_version: schema, instructions_version: instructions } = started.record;

    const seen = modelNames(ledger);
    const asked = (m: typeof model) => [...seen].some((name) => sameModel(m, name));
    const firstCall = ledger.modelCalls()[0];
    if (firstCall && !asked(model)) {
      findings.push(
        fail(
          CONTROL,
          `audit:${started.line} run.started logs model "${model.name}", but the model endpoint was asked for ${[...seen].map((n) => `"${n}"`).join(', ')} (ledger#${firstCall.seq})`,
          [auditEvidence(started.line, started.record), ledgerEvidence(firstCall)],
        ),
      );
    }
    const wrongCall = firstCall ? recordsOfType(audit, 'model.called').find((r) => !asked(r.record.model)) : undefined;
    if (wrongCall && firstCall) {
      findings.push(
        fail(
          CONTROL,
          `audit:${wrongCall.line} model.called logs model "${wrongCall.record.model.name}", which the model endpoint was never asked for`,
          [auditEvidence(wrongCall.line, wrongCall.record), ledgerEvidence(firstCall)],
        ),
      );
    }

    const listings = ledger.listings();
    if (listings.length > 0 && !listings.some((l) => l.schemaVersion === schema)) {
      const first = listings[0]!;
      findings.push(
        fail(
          CONTROL,
          `audit:${started.line} run.started logs tool_schema_version "${schema}", but the tools endpoint served ${[...new Set(listings.map((l) => `"${l.schemaVersion}"`))].join(', ')} (ledger#${first.seq}, ${first.note})`,
          [auditEvidence(started.line, started.record), ledgerEvidence(first)],
        ),
      );
    } else if (listings.length === 0 && spec.controls.includes(CONTROL)) {
      findings.push(
        fail(
          CONTROL,
          `the agent never listed its tools (REST GET /tools or MCP tools/list), so tool_schema_version "${schema}" in run.started is not a version the tools endpoint served`,
          [auditEvidence(started.line, started.record)],
        ),
      );
    }

    if (findings.length > 0 || (!firstCall && listings.length === 0)) return findings;
    return [
      pass(
        CONTROL,
        `run.started logs model "${modelLabel(model)}", instructions "${instructions}" and tool schema "${schema}", as the world served them`,
      ),
    ];
  },
};

/** Model names the endpoint was asked for; an agent that named none got the adversary's. */
function modelNames(ledger: Ledger): Set<string> {
  const names = new Set<string>();
  for (const m of ledger.modelCalls()) names.add(m.model ?? ADVERSARY_MODEL);
  return names;
}
