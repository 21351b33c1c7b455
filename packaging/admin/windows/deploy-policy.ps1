# UNTESTED (written without Windows to run it): place the Inhouse admin policy on a Windows machine.
#
# Run as SYSTEM or an administrator (Intune: a Win32 app or platform script in system context; GPO: a
# computer startup script; SCCM/ConfigMgr: a package program "run with administrative rights"):
#   powershell.exe -NoProfile -ExecutionPolicy Bypass -File deploy-policy.ps1 -Policy .\policy.toml
#
# Puts the file at C:\ProgramData\Inhouse\policy.toml (the ProgramData known folder, where Inhouse
# looks; the %ProgramData% variable is the user's to change and is not used), readable by every user,
# writable only by Administrators and SYSTEM: inheritance from ProgramData (where Users may create
# files) is removed from the folder. Exit code 0 when the file is in place and Inhouse accepts it.
param(
    [Parameter(Mandatory = $true)][string]$Policy,
    [string]$InhouseCli = "$env:ProgramFiles\Inhouse\inhouse-cli.exe"
)
$ErrorActionPreference = "Stop"

$programData = [Environment]::GetFolderPath([Environment+SpecialFolder]::CommonApplicationData)
$folder = Join-Path $programData "Inhouse"
$target = Join-Path $folder "policy.toml"

if (Test-Path $InhouseCli) {
    # Refuse to deploy a file with errors: a broken admin file locks every key at its safest value.
    & $InhouseCli policy check $Policy
    if ($LASTEXITCODE -ne 0) { Write-Error "policy.toml has errors (listed above); nothing deployed"; exit 1 }
}

New-Item -ItemType Directory -Force -Path $folder | Out-Null
# Administrators and SYSTEM: full control; Users: read. No inherited entries (CREATOR OWNER, Users:write).
$sddl = "O:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;BU)"
$acl = Get-Acl $folder
$acl.SetSecurityDescriptorSddlForm($sddl)
Set-Acl -Path $folder -AclObject $acl

Copy-Item -Force -Path $Policy -Destination $target
$fileAcl = Get-Acl $target
$fileAcl.SetSecurityDescriptorSddlForm("O:BAG:SYD:PAI(A;;FA;;;SY)(A;;FA;;;BA)(A;;0x1200a9;;;BU)")
Set-Acl -Path $target -AclObject $fileAcl
Write-Output "Inhouse admin policy: $target"
exit 0
