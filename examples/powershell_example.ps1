# PowerShell with StepFlow markers (run with pwsh).
Write-Host "STEP_START:Restore"
Start-Sleep -Milliseconds 300
Write-Host "restored 3 projects"
Write-Host "STEP_COMPLETE:Restore"

Write-Host "STEP_START:Build"
Write-Host "META:ESTIMATED_DURATION:1"
Start-Sleep -Milliseconds 500
New-Item -ItemType Directory -Force -Path out | Out-Null
Set-Content -Path out/build.log -Value "build ok"
Write-Host "ARTIFACT:out/build.log:Build log"
Write-Host "STEP_COMPLETE:Build"
