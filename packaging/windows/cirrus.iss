; Inno Setup 6 script: the Cirrus installer for Windows.
;
; A per-user install: no administrator rights, the program goes to
; %LOCALAPPDATA%\Programs\Cirrus, the Start menu entry and the file associations to the
; user's own profile (HKCU). The uninstaller removes the program and those entries; the
; learner's collection (in %LOCALAPPDATA%\Cirrus) stays.
;
; packaging/build.py runs it on Windows after freezing, when ISCC.exe is installed:
;   iscc /DAppVersion=0.1.0 /DSourceDir=dist\cirrus /DRepoDir=. /Odist packaging\windows\cirrus.iss

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef RepoDir
  #define RepoDir "..\.."
#endif
#ifndef SourceDir
  #define SourceDir RepoDir + "\dist\cirrus"
#endif

[Setup]
; The AppId identifies Cirrus to Windows across versions: never change it.
AppId={{45D1738C-6457-4CDD-B3A2-390702C94B0A}
AppName=Cirrus
AppVersion={#AppVersion}
AppVerName=Cirrus {#AppVersion}
AppPublisher=Cirrus developers
AppComments=Offline Markdown flashcards with FSRS scheduling
PrivilegesRequired=lowest
DefaultDirName={autopf}\Cirrus
DefaultGroupName=Cirrus
DisableProgramGroupPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputBaseFilename=Cirrus-{#AppVersion}-setup
SetupIconFile={#RepoDir}\resources\icons\cirrus.ico
UninstallDisplayIcon={app}\Cirrus.exe
UninstallDisplayName=Cirrus
InfoBeforeFile={#RepoDir}\THIRD_PARTY_NOTICES.md
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ChangesAssociations=yes
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "associate"; Description: "Open Anki packages (.apkg, .colpkg) with Cirrus"; GroupDescription: "File types:"

[Files]
; The whole one-folder build: the Qt DLLs stay separate files (LGPL-3.0).
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\Cirrus"; Filename: "{app}\Cirrus.exe"; Comment: "Offline Markdown flashcards"
Name: "{autodesktop}\Cirrus"; Filename: "{app}\Cirrus.exe"; Tasks: desktopicon

[Registry]
; File types, per user (HKA is HKCU in a per-user install). Cirrus is added to each
; type's "Open with" list; it does not take the type over from Anki if that is installed.
Root: HKA; Subkey: "Software\Classes\.apkg\OpenWithProgids"; ValueType: string; ValueName: "Cirrus.apkg"; ValueData: ""; Flags: uninsdeletevalue; Tasks: associate
Root: HKA; Subkey: "Software\Classes\Cirrus.apkg"; ValueType: string; ValueName: ""; ValueData: "Anki deck package"; Flags: uninsdeletekey; Tasks: associate
Root: HKA; Subkey: "Software\Classes\Cirrus.apkg\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\Cirrus.exe,0"; Tasks: associate
Root: HKA; Subkey: "Software\Classes\Cirrus.apkg\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\Cirrus.exe"" --open ""%1"""; Tasks: associate
Root: HKA; Subkey: "Software\Classes\.colpkg\OpenWithProgids"; ValueType: string; ValueName: "Cirrus.colpkg"; ValueData: ""; Flags: uninsdeletevalue; Tasks: associate
Root: HKA; Subkey: "Software\Classes\Cirrus.colpkg"; ValueType: string; ValueName: ""; ValueData: "Anki collection package"; Flags: uninsdeletekey; Tasks: associate
Root: HKA; Subkey: "Software\Classes\Cirrus.colpkg\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\Cirrus.exe,0"; Tasks: associate
Root: HKA; Subkey: "Software\Classes\Cirrus.colpkg\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\Cirrus.exe"" --open ""%1"""; Tasks: associate
Root: HKA; Subkey: "Software\Classes\Applications\Cirrus.exe\SupportedTypes"; ValueType: string; ValueName: ".apkg"; ValueData: ""; Flags: uninsdeletekey; Tasks: associate
Root: HKA; Subkey: "Software\Classes\Applications\Cirrus.exe\SupportedTypes"; ValueType: string; ValueName: ".colpkg"; ValueData: ""; Tasks: associate

[Run]
Filename: "{app}\Cirrus.exe"; Description: "{cm:LaunchProgram,Cirrus}"; Flags: nowait postinstall skipifsilent
