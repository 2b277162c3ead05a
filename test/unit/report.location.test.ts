// Where "Export Run Report" proposes to save (extension/reportLocation.ts): never inside a
// workspace folder, where the report would show up in git status.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { folderToRemember, isInside, proposedReportFolder, reportFileName } from '../../extension/reportLocation';

const repo = path.resolve('/home/u/repo');
const tmp = path.resolve('/tmp');
const everywhere = () => true;

describe('report location', () => {
  it('proposes the temp folder when nothing is remembered', () => {
    assert.equal(proposedReportFolder({ remembered: undefined, workspaceFolders: [repo], tempDir: tmp, exists: everywhere }), tmp);
  });

  it('proposes the remembered folder when it exists outside the workspace', () => {
    const reports = path.resolve('/home/u/reports');
    assert.equal(proposedReportFolder({ remembered: reports, workspaceFolders: [repo], tempDir: tmp, exists: everywhere }), reports);
  });

  it('never proposes a folder inside (or equal to) a workspace folder', () => {
    for (const remembered of [repo, path.join(repo, 'out'), path.join(repo, 'a', 'b')]) {
      assert.equal(proposedReportFolder({ remembered, workspaceFolders: [path.resolve('/other'), repo], tempDir: tmp, exists: everywhere }), tmp, remembered);
    }
  });

  it('forgets a remembered folder that no longer exists', () => {
    const gone = path.resolve('/home/u/deleted');
    assert.equal(proposedReportFolder({ remembered: gone, workspaceFolders: [], tempDir: tmp, exists: (d) => d !== gone }), tmp);
  });

  it('a sibling whose name starts like the workspace is outside it', () => {
    assert.equal(isInside(path.resolve('/home/u/repo-reports'), repo, false), false);
    assert.equal(isInside(path.resolve('/home/u/repo/x'), repo, false), true);
    assert.equal(isInside(path.resolve('/HOME/U/REPO/x'), repo, true), true);
  });

  it('remembers only folders outside the workspace', () => {
    assert.equal(folderToRemember(path.join(repo, 'r.html'), [repo]), undefined);
    assert.equal(folderToRemember(path.resolve('/home/u/reports/r.html'), [repo]), path.resolve('/home/u/reports'));
  });

  it('names the file after the script and run, safe for any file system', () => {
    assert.equal(reportFileName('/w/scripts/build all.sh', 'abc123'), 'stepflow-build-all-sh-abc123.html');
    assert.equal(reportFileName(undefined, 'abc123', 'md'), 'stepflow-run-abc123.md');
  });
});
