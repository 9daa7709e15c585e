// The activation policy switch of dock_darwin.go. Every AppKit call runs on the main queue (AppKit's state is
// main-thread only), in the order the Go side asked: Wails also dispatches its window calls to the main queue,
// so "shown" lands before Wails shows the window.
#import <AppKit/AppKit.h>

// Set once on the main queue by ninerouter_dock_follow_window, read only there.
static BOOL ninerouterDockArmed = NO;

static void ninerouterDockAccessory(void) {
    if (ninerouterDockArmed) {
        [NSApp setActivationPolicy:NSApplicationActivationPolicyAccessory];
    }
}

static void ninerouterDockRegular(void) {
    [NSApp setActivationPolicy:NSApplicationActivationPolicyRegular];
    // Back from accessory, the app is not active and has no menu bar until activated. The user asked for the
    // window (tray Open, a second launch), so taking focus is expected.
    [NSApp activateIgnoringOtherApps:YES];
}

void ninerouter_dock_follow_window(void) {
    dispatch_async(dispatch_get_main_queue(), ^{
        if (ninerouterDockArmed) {
            return;
        }
        ninerouterDockArmed = YES;
        NSNotificationCenter *center = [NSNotificationCenter defaultCenter];
        // The window's close button hides the whole app (Wails' HideWindowOnClose: [NSApp hide:nil]), and a
        // Dock or tray reopen unhides it.
        [center addObserverForName:NSApplicationDidHideNotification
                            object:nil
                             queue:[NSOperationQueue mainQueue]
                        usingBlock:^(NSNotification *note) {
                            ninerouterDockAccessory();
                        }];
        [center addObserverForName:NSApplicationWillUnhideNotification
                            object:nil
                             queue:[NSOperationQueue mainQueue]
                        usingBlock:^(NSNotification *note) {
                            [NSApp setActivationPolicy:NSApplicationActivationPolicyRegular];
                        }];
        BOOL shown = NO;
        for (NSWindow *window in [NSApp windows]) {
            if ([window isVisible]) {
                shown = YES;
            }
        }
        if ([NSApp isHidden] || !shown) {
            ninerouterDockAccessory();
        }
    });
}

void ninerouter_dock_window_shown(void) {
    dispatch_async(dispatch_get_main_queue(), ^{
        ninerouterDockRegular();
    });
}

void ninerouter_dock_window_hidden(void) {
    dispatch_async(dispatch_get_main_queue(), ^{
        ninerouterDockAccessory();
    });
}
