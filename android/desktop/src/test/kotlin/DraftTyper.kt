// The operator's side of a phone that is killed mid-form: run as its own JVM by
// KilledAppDraftTest, it opens the store (the key of the test phone, fill 9), starts a registration through the state holder,
// types part of the form, says so on stdout and waits to be killed.

import java.io.File
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import org.panjiyan.ui.state.AppContext
import org.panjiyan.ui.state.AppSettings
import org.panjiyan.ui.state.RegisterModel
import uniffi.panjiyan_ffi.CampStore

object DraftTyper {
    @JvmStatic
    fun main(args: Array<String>): Unit = runBlocking {
        val (dir, memberId) = args
        val store = CampStore.open(File(dir, "camp.db").path, key(9))
        val register = RegisterModel(AppContext(store, AppSettings(File(dir, "settings.properties")), Dispatchers.IO))
        register.start(memberId)
        register.occupationQuery("सिलाई")
        register.chooseOccupation(register.ui.value.occupations.first { it.code == "tailoring" })
        register.edit("mobile") { it.copy(mobile = "9876501234") }
        register.edit("facts") { it.copy(landAres = "35", incomeTaxPayer = false) }
        println("typed ${register.ui.value.draftId}")
        System.out.flush()
        Thread.sleep(600_000)
    }
}
