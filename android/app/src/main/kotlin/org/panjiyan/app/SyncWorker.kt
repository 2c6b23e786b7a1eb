package org.panjiyan.app

import android.content.Context
import androidx.work.BackoffPolicy
import androidx.work.Constraints
import androidx.work.CoroutineWorker
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.ExistingWorkPolicy
import androidx.work.NetworkType
import androidx.work.OneTimeWorkRequestBuilder
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.WorkerParameters
import java.util.concurrent.TimeUnit
import org.panjiyan.ui.state.Trouble

/**
 * Sends the outbox and pulls status in the background, as soon as there is a network: after
 * every saved registration, when the app starts, and every half hour. The core already retries
 * within one run; between runs WorkManager backs off exponentially from 30 seconds.
 */
class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result {
        val app = applicationContext as PanjiyanApplication
        if (!app.settings.enrolled) return Result.success()
        val sync = app.model.sync
        if (sync.syncNow()) return Result.success()
        val code = (sync.ui.value.error as? Trouble.Code)?.code
        // A revoked phone or a lost enrolment will not get better by retrying.
        return if (code == "revoked" || code == "not_enrolled") Result.failure() else Result.retry()
    }

    companion object {
        private const val NOW = "panjiyan-sync-now"
        private const val PERIODIC = "panjiyan-sync-periodic"
        private val online = Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build()

        /** A sync as soon as the network is there; one waiting request covers any number of saves. */
        fun request(context: Context) {
            val work = OneTimeWorkRequestBuilder<SyncWorker>()
                .setConstraints(online)
                .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, 30, TimeUnit.SECONDS)
                .build()
            WorkManager.getInstance(context).enqueueUniqueWork(NOW, ExistingWorkPolicy.KEEP, work)
        }

        /** Catches what a request missed (saved during a running sync) and brings status back. */
        fun schedulePeriodic(context: Context) {
            val work = PeriodicWorkRequestBuilder<SyncWorker>(30, TimeUnit.MINUTES)
                .setConstraints(online)
                .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, 30, TimeUnit.SECONDS)
                .build()
            WorkManager.getInstance(context).enqueueUniquePeriodicWork(PERIODIC, ExistingPeriodicWorkPolicy.KEEP, work)
        }
    }
}
