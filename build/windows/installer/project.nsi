# NineRouter's Windows installer (`make windows-installer`: wails build -nsis, which regenerates wails_tools.nsh
# from wails.json and writes the WebView2 bootstrapper to tmp\ before it runs makensis on this file; Debian's
# `nsis` package is enough). Differences from the Wails template, and why:
#   - per-user: RequestExecutionLevel user, installed to %LOCALAPPDATA%\Programs\NineRouter, Start-menu shortcut
#     and uninstall entry under HKCU. No UAC prompt, and NineRouter's data, keychain entries and tool configs
#     are per-user anyway. (The Wails macros write the uninstall key to HKLM, so this file writes its own.)
#   - 64-bit stubs (Target amd64-unicode): the app is amd64-only, and the installer then also runs under a
#     64-bit-only Wine (scripts/ci/packages.sh).
#   - an install or uninstall over a running NineRouter stops with a clear message instead of failing on a
#     locked file;
#   - the uninstaller first runs `ninerouter.exe uninstall --yes --keep-data`, which reverts every coding-tool
#     config NineRouter changed and removes its start-at-login entry, and says so when that fails.
# Manual build for debugging: run `make windows-installer` once (it writes wails_tools.nsh and tmp\), then
#   makensis -DARG_WAILS_AMD64_BINARY=..\..\bin\ninerouter.exe project.nsi
Target amd64-unicode

!define REQUEST_EXECUTION_LEVEL "user"
!define PRODUCT_EXECUTABLE "ninerouter.exe"
!define UNINST_KEY_NAME "NineRouter"
!include "wails_tools.nsh"
!include "LogicLib.nsh"

# The version information for this two must consist of 4 parts
VIProductVersion "${INFO_PRODUCTVERSION}.0"
VIFileVersion    "${INFO_PRODUCTVERSION}.0"

VIAddVersionKey "CompanyName"     "${INFO_COMPANYNAME}"
VIAddVersionKey "FileDescription" "${INFO_PRODUCTNAME} Installer"
VIAddVersionKey "ProductVersion"  "${INFO_PRODUCTVERSION}"
VIAddVersionKey "FileVersion"     "${INFO_PRODUCTVERSION}"
VIAddVersionKey "LegalCopyright"  "${INFO_COPYRIGHT}"
VIAddVersionKey "ProductName"     "${INFO_PRODUCTNAME}"

# Enable HiDPI support. https://nsis.sourceforge.io/Reference/ManifestDPIAware
ManifestDPIAware true

!include "MUI.nsh"

!define MUI_ICON "..\icon.ico"
!define MUI_UNICON "..\icon.ico"
!define MUI_ABORTWARNING # warn the user if they exit from the installer
!define MUI_FINISHPAGE_RUN "$INSTDIR\${PRODUCT_EXECUTABLE}"
!define MUI_FINISHPAGE_RUN_TEXT "Start NineRouter"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"

## To sign the installer and the uninstaller (paths in %1):
#!uninstfinalize 'signtool --file "%1"'
#!finalize 'signtool --file "%1"'

Name "${INFO_PRODUCTNAME}"
OutFile "..\..\bin\${INFO_PROJECTNAME}-${ARCH}-installer.exe"
InstallDir "$LOCALAPPDATA\Programs\${INFO_PRODUCTNAME}"
InstallDirRegKey HKCU "${UNINST_KEY}" "InstallLocation"
ShowInstDetails show
ShowUninstDetails show

!define RUNNING_MESSAGE "NineRouter is running. Choose Quit in its tray menu (the icon near the clock), then click Retry."

# ninerouter.ExeInUse: $0 = 1 when $INSTDIR\ninerouter.exe exists and cannot be opened for writing, which on
# Windows means a NineRouter process is running from it.
!macro ninerouter.ExeInUse
    StrCpy $0 0
    ${If} ${FileExists} "$INSTDIR\${PRODUCT_EXECUTABLE}"
        ClearErrors
        FileOpen $1 "$INSTDIR\${PRODUCT_EXECUTABLE}" a
        ${If} ${Errors}
            StrCpy $0 1
        ${Else}
            FileClose $1
        ${EndIf}
    ${EndIf}
!macroend

# ninerouter.WaitNotRunning: Retry/Cancel until NineRouter has quit; silent runs fail with exit code 3 instead
# of replacing or deleting files under a running instance.
!macro ninerouter.WaitNotRunning
    ${Do}
        !insertmacro ninerouter.ExeInUse
        ${If} $0 == 0
            ${Break}
        ${EndIf}
        ${If} ${Silent}
            DetailPrint "${RUNNING_MESSAGE}"
            SetErrorLevel 3
            Abort "${RUNNING_MESSAGE}"
        ${EndIf}
        ${If} ${Cmd} `MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION "${RUNNING_MESSAGE}" IDCANCEL`
            SetErrorLevel 3
            Abort "${RUNNING_MESSAGE}"
        ${EndIf}
    ${Loop}
!macroend

Function .onInit
   !insertmacro wails.checkArchitecture
   SetShellVarContext current
FunctionEnd

Function un.onInit
   SetShellVarContext current
FunctionEnd

Section
    SetShellVarContext current
    !insertmacro ninerouter.WaitNotRunning

    !insertmacro wails.webview2runtime

    SetOutPath $INSTDIR
    !insertmacro wails.files

    CreateShortcut "$SMPROGRAMS\${INFO_PRODUCTNAME}.lnk" "$INSTDIR\${PRODUCT_EXECUTABLE}"

    WriteUninstaller "$INSTDIR\uninstall.exe"
    WriteRegStr HKCU "${UNINST_KEY}" "DisplayName" "${INFO_PRODUCTNAME}"
    WriteRegStr HKCU "${UNINST_KEY}" "DisplayVersion" "${INFO_PRODUCTVERSION}"
    WriteRegStr HKCU "${UNINST_KEY}" "Publisher" "${INFO_COMPANYNAME}"
    WriteRegStr HKCU "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\${PRODUCT_EXECUTABLE}"
    WriteRegStr HKCU "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
    WriteRegStr HKCU "${UNINST_KEY}" "UninstallString" "$\"$INSTDIR\uninstall.exe$\""
    WriteRegStr HKCU "${UNINST_KEY}" "QuietUninstallString" "$\"$INSTDIR\uninstall.exe$\" /S"
    WriteRegDWORD HKCU "${UNINST_KEY}" "NoModify" 1
    WriteRegDWORD HKCU "${UNINST_KEY}" "NoRepair" 1
    ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
    IntFmt $0 "0x%08X" $0
    WriteRegDWORD HKCU "${UNINST_KEY}" "EstimatedSize" "$0"
SectionEnd

Section "uninstall"
    SetShellVarContext current
    !insertmacro ninerouter.WaitNotRunning

    # Revert the coding tools' configs and the start-at-login entry while the binary that knows them is still
    # here. The data dir (settings, usage, keychain entries) stays: a reinstall picks it up.
    ${If} ${FileExists} "$INSTDIR\${PRODUCT_EXECUTABLE}"
        DetailPrint "Reverting the coding tools' configs NineRouter changed..."
        nsExec::ExecToLog '"$INSTDIR\${PRODUCT_EXECUTABLE}" uninstall --yes --keep-data'
        Pop $0
        ${If} $0 != 0
            DetailPrint "ninerouter uninstall failed ($0): the coding tools' configs may still point at NineRouter."
            ${IfNot} ${Silent}
                ${If} ${Cmd} `MessageBox MB_YESNO|MB_ICONEXCLAMATION "NineRouter could not revert the coding tools' configs it changed (result: $0).$\r$\nThey may still point at http://127.0.0.1:20128; your own edits in them are kept.$\r$\n$\r$\nRemove NineRouter anyway?" IDNO`
                    SetErrorLevel 4
                    Abort "Uninstall cancelled: run $\"$INSTDIR\${PRODUCT_EXECUTABLE}$\" tool revert --all, then uninstall again."
                ${EndIf}
            ${EndIf}
        ${EndIf}
    ${EndIf}

    RMDir /r "$AppData\${PRODUCT_EXECUTABLE}" # the WebView2 data path
    Delete "$INSTDIR\${PRODUCT_EXECUTABLE}"
    Delete "$INSTDIR\uninstall.exe"
    RMDir "$INSTDIR"
    Delete "$SMPROGRAMS\${INFO_PRODUCTNAME}.lnk"
    DeleteRegKey HKCU "${UNINST_KEY}"
SectionEnd
