package org.panjiyan.ui.state

import kotlin.coroutines.CoroutineContext
import kotlinx.coroutines.Dispatchers
import uniffi.panjiyan_ffi.CampStore

/**
 * What every state holder needs: the one store of the process, the settings, where blocking
 * calls into the core run, and how to ask the platform for a background sync (WorkManager on
 * Android).
 */
class AppContext(
    val store: CampStore,
    val settings: AppSettings,
    val io: CoroutineContext = Dispatchers.IO,
    val defaultServer: String = "",
    /** Asks for a sync when the network is there; called after every saved registration. */
    val requestSync: () -> Unit = {},
)
