// Package dock keeps NineRouter, a menu-bar app, out of the macOS Dock while its window is hidden.
//
// Wails v2 sets the regular activation policy in its applicationWillFinishLaunching whatever Info.plist's
// LSUIElement says, so the Dock icon shows for the whole run (docs/packaging.md, macOS). After launch, once the
// menu-bar item is confirmed (FollowWindow), the app switches to the accessory policy whenever it is hidden and
// back to the regular one, activated, whenever its window is shown (docs/desktop.md, Tray threads (macOS)).
// Before FollowWindow nothing changes: a tray that never came up must never leave the app without a Dock icon,
// its only way back. Everywhere but macOS these are no-ops.
package dock
