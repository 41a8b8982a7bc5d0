import { describe, expect, it } from 'vitest';
import { consoleReporter } from '../../../reporters/console.js';
import type { CaseResult } from '../../../src/runner/results.js';
import { captureStream, drive, runInfo, sampleCases } from '../reporters/fixtures.js';

describe('refused off-world requests in the console', () => {
  it('prints one line under the case: how many, and the first distinct ones with their counts', async () => {
    const [template] = sampleCases();
    const tiktoken = 'https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken';
    const withEgress: CaseResult = {
      ...(template as CaseResult),
      egress: [
        { method: 'GET', url: tiktoken, count: 7 },
        { method: 'POST', url: 'https://telemetry.example/v1/events', count: 1 },
      ],
    };
    const capture = captureStream();
    await drive(consoleReporter({ stream: capture.stream }), [withEgress], runInfo({ plannedCases: 1 }));
    expect(capture.text()).toContain(
      `    refused 8 requests to hosts outside the world: GET ${tiktoken} (×7), POST https://telemetry.example/v1/events\n`,
    );
  });
});
