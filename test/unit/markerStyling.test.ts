import { strict as assert } from 'node:assert';
import { styleLogLine, styleLogText } from '../../extension/markerStyling';

describe('terminal marker styling (extension/markerStyling.ts)', () => {
  it('turns STEP_START into a bold cyan header followed by the raw line dimmed', () => {
    assert.equal(styleLogLine('STEP_START:Build'), '\x1b[1;36m▶ Build\x1b[0m  \x1b[2mSTEP_START:Build\x1b[0m');
  });

  it('marks STEP_COMPLETE green with ✓, STEP_ERROR red with ✗, and dims META lines whole', () => {
    assert.equal(styleLogLine('STEP_COMPLETE:Build'), '\x1b[1;32m✓ Build\x1b[0m  \x1b[2mSTEP_COMPLETE:Build\x1b[0m');
    assert.equal(styleLogLine('STEP_ERROR:link failed'), '\x1b[1;31m✗ link failed\x1b[0m  \x1b[2mSTEP_ERROR:link failed\x1b[0m');
    assert.equal(styleLogLine('META:PROGRESS:20'), '\x1b[2mMETA:PROGRESS:20\x1b[0m');
  });

  it('leaves ordinary output as the script wrote it, colours included', () => {
    assert.equal(styleLogLine('\x1b[32mcompiled\x1b[0m'), '\x1b[32mcompiled\x1b[0m');
    assert.equal(styleLogText('a\nSTEP_START:B\r\nb\n'), 'a\n\x1b[1;36m▶ B\x1b[0m  \x1b[2mSTEP_START:B\x1b[0m\nb\n');
  });

  it('never lets a marker carry control characters into the terminal', () => {
    const styled = styleLogLine('STEP_START:evil\x07\x1b]0;pwned\x07name');
    assert.ok(!/[\x07]/.test(styled), JSON.stringify(styled));
    assert.ok(!styled.includes('\x1b]'), JSON.stringify(styled));
  });
});
