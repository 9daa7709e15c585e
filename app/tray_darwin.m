// Main-thread scheduling for the macOS status item (see tray_darwin.go). UNTESTED on a real Mac.
#import <Cocoa/Cocoa.h>
#include <stdint.h>

extern void ninerouterTrayStart(uintptr_t handle);

// ninerouter_schedule_tray_start runs the Go start function on the main thread after NSApplication has finished
// launching: through a one-shot NSApplicationDidFinishLaunchingNotification observer on the main queue, or a
// plain dispatch to the main queue when launch is already over (desktop-macos-tray.md §2.A variant i).
void ninerouter_schedule_tray_start(uintptr_t handle) {
    void (^run)(void) = ^{
        ninerouterTrayStart(handle);
    };
    if ([[NSRunningApplication currentApplication] isFinishedLaunching]) {
        dispatch_async(dispatch_get_main_queue(), run);
        return;
    }
    __block id observer = nil;
    observer = [[NSNotificationCenter defaultCenter]
        addObserverForName:NSApplicationDidFinishLaunchingNotification
                    object:nil
                     queue:[NSOperationQueue mainQueue]
                usingBlock:^(NSNotification *note) {
                    [[NSNotificationCenter defaultCenter] removeObserver:observer];
                    observer = nil;
                    run();
                }];
}
