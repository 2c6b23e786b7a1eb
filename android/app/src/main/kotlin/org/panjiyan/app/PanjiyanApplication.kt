package org.panjiyan.app

import android.app.Application
import java.io.File
import kotlinx.coroutines.Dispatchers
import org.panjiyan.ui.state.AppContext
import org.panjiyan.ui.state.AppModel
import org.panjiyan.ui.state.AppSettings
import uniffi.panjiyan_ffi.CampStore

/**
 * One store and one set of state holders per process, shared by the activity (across screen
 * rotations) and the sync worker. Everything lives in noBackupFilesDir: the data is only
 * readable with this phone's Keystore key, so a backup of it would be useless elsewhere.
 */
class PanjiyanApplication : Application() {
    private val dir: File get() = noBackupFilesDir

    val store: CampStore by lazy { CampStore.open(File(dir, "camp.db").path, StoreKey.get(dir)) }
    val settings: AppSettings by lazy { AppSettings(File(dir, "settings.properties")) }
    val model: AppModel by lazy {
        AppModel(
            AppContext(
                store = store,
                settings = settings,
                io = Dispatchers.IO,
                defaultServer = BuildConfig.DEFAULT_SERVER,
                requestSync = { SyncWorker.request(this) },
            ),
        )
    }

    override fun onCreate() {
        super.onCreate()
        SyncWorker.schedulePeriodic(this)
    }
}
