# Fixture: PowerShell markers.
Write-Host "STEP_START:Restore"

Write-Host "STEP_COMPLETE:Restore"
