; UNTESTED (written without Windows to run it): the Inno Setup 6 installer for the Windows bundle.
;
;   make package                                     (on Windows, with GNU make; or: python packaging\build.py)
;   iscc /DAppVersion=0.1.0 packaging\windows\inhouse.iss     -> dist\Inhouse-0.1.0-windows-x64-setup.exe
;
; Silent installs (fleet tools): packaging/admin/README.md
;   Inhouse-0.1.0-windows-x64-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /ALLUSERS
;   "C:\Program Files\Inhouse\unins000.exe" /VERYSILENT /SUPPRESSMSGBOXES /NORESTART
; Signing with the publisher's certificate: define a sign tool named "signtool" in the Inno Setup IDE or
;   iscc "/Ssigntool=signtool.exe sign /fd sha256 /tr http://timestamp.digicert.com /td sha256 /a $f" ...
; and uncomment SignTool below: the installer and the uninstaller are signed. Sign dist\Inhouse\*.exe
; (and the DLLs, if your policy wants it) with the same signtool command before running iscc.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif

[Setup]
; The AppId identifies the product for upgrades and uninstall: never change it.
AppId={{8B6F3C2A-5E1D-4C7B-9A44-2F0D6E1B7C90}
AppName=Inhouse
AppVersion={#AppVersion}
AppPublisher=Inhouse
AppComments=Classify, extract and summarize text on this device; the cloud only with your consent.
DefaultDirName={autopf}\Inhouse
DefaultGroupName=Inhouse
DisableProgramGroupPage=yes
; Per machine by default (admin); /CURRENTUSER (or the dialog) installs for the current user only.
PrivilegesRequired=admin
PrivilegesRequiredOverridesAllowed=commandline dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist
OutputBaseFilename=Inhouse-{#AppVersion}-windows-x64-setup
SetupIconFile=..\..\build\icons\inhouse.ico
UninstallDisplayIcon={app}\Inhouse.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes
; SignTool=signtool
; SignedUninstaller=yes

[Files]
; The PyInstaller folder: Inhouse.exe (the app, no console), inhouse-cli.exe (the command line),
; _internal\ (Python, Qt, llama.cpp, the starter model, resources).
Source: "..\..\dist\Inhouse\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; An upgrade replaces the whole bundle: no library of the old version stays next to the new ones.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\Inhouse"; Filename: "{app}\Inhouse.exe"; Comment: "Private text assistant"

[Run]
Filename: "{app}\Inhouse.exe"; Description: "Start Inhouse"; Flags: nowait postinstall skipifsilent

; The user's data (%LOCALAPPDATA%\Inhouse) and the admin policy (C:\ProgramData\Inhouse\policy.toml) are
; never touched by installing, upgrading or uninstalling.
