//go:build linux && cgo && desktop

package app

/*
#cgo pkg-config: gtk+-3.0
#include <gtk/gtk.h>

// nr_quit_loop runs on the main thread, from the default main context: it ends GTK's loop, or, when something
// iterates the context before gtk_main has started, tries again shortly.
static gboolean nr_quit_loop(gpointer data) {
	(void)data;
	if (gtk_main_level() == 0) {
		g_timeout_add(20, nr_quit_loop, NULL);
		return G_SOURCE_REMOVE;
	}
	gtk_main_quit();
	return G_SOURCE_REMOVE;
}

// nr_request_quit may be called from any thread: g_idle_add is thread-safe, and the source waits in the
// default context until the loop runs it.
static void nr_request_quit(void) { g_idle_add(nr_quit_loop, NULL); }
*/
import "C"

// quitLoop asks GTK's main loop to end, from any goroutine, at any moment: before the loop starts (the request
// waits for it), while it runs, or after it has ended (the request is never run).
func quitLoop() { C.nr_request_quit() }
