; Inno Setup script: installs the one-folder bundle built on Windows by
;   .venv\Scripts\pyinstaller --noconfirm --distpath dist packaging\pyinstaller\warroom.spec
; then:  iscc packaging\windows\warroom.iss   (writes dist\WarRoom-Setup-<version>.exe)
#define AppName "War room"
#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif

[Setup]
AppId={{6F1A7E64-3B0C-4F7E-9B55-2A8A3C1D0E11}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=The War room team
DefaultDirName={autopf}\War room
DefaultGroupName={#AppName}
PrivilegesRequiredOverridesAllowed=dialog
OutputDir=..\..\dist
OutputBaseFilename=WarRoom-Setup-{#AppVersion}
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
ChangesAssociations=yes
UninstallDisplayIcon={app}\warroom.exe

[Files]
Source: "..\..\dist\warroom\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\warroom.exe"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\warroom.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked

[Registry]
; Scenario files open in War room (a signed archive is a .zip, which stays Explorer's).
Root: HKA; Subkey: "Software\Classes\.scenario.toml"; ValueType: string; ValueData: "WarRoom.Scenario"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\WarRoom.Scenario"; ValueType: string; ValueData: "War room exercise scenario"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\WarRoom.Scenario\shell\open\command"; ValueType: string; ValueData: """{app}\warroom.exe"" ""%1"""

[Run]
Filename: "{app}\warroom.exe"; Description: "Open War room"; Flags: nowait postinstall skipifsilent
