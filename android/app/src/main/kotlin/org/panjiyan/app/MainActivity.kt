package org.panjiyan.app

import android.graphics.Color
import android.os.Bundle
import androidx.activity.SystemBarStyle
import androidx.activity.ComponentActivity
import androidx.activity.OnBackPressedCallback
import androidx.activity.compose.setContent
import androidx.activity.enableEdgeToEdge
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.safeDrawingPadding
import androidx.compose.material3.Text
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import org.panjiyan.ui.PanjiyanApp
import org.panjiyan.ui.state.Trouble
import org.panjiyan.ui.text.Strings
import org.panjiyan.ui.theme.PanjiyanTheme
import uniffi.panjiyan_ffi.PanjiyanException

/** The one activity: the shared Compose app, with the system back button wired to its stack. */
class MainActivity : ComponentActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        // Light status bar icons over the app's dark blue title bar; the screens pad themselves.
        enableEdgeToEdge(statusBarStyle = SystemBarStyle.dark(Color.TRANSPARENT))
        super.onCreate(savedInstanceState)
        val app = application as PanjiyanApplication
        val model = try {
            app.model.also { it.app.store.deviceId() }
        } catch (e: Exception) {
            // The store cannot be opened (its key is gone, or is not the store's): say so, in
            // both languages. The Keystore's own errors mean the same to the operator.
            val trouble = if (e is PanjiyanException) Trouble.of(e) else Trouble.Code("wrong_key")
            setContent {
                PanjiyanTheme {
                    Text(
                        trouble.text(Strings.of("hi")) + "\n\n" + trouble.text(Strings.of("en")),
                        Modifier.fillMaxSize().safeDrawingPadding().padding(24.dp),
                    )
                }
            }
            return
        }
        onBackPressedDispatcher.addCallback(
            this,
            object : OnBackPressedCallback(true) {
                override fun handleOnBackPressed() {
                    if (!model.back()) finish()
                }
            },
        )
        setContent { PanjiyanApp(model) }
    }

    override fun onStart() {
        super.onStart()
        // Anything left from an earlier day goes as soon as there is a network.
        if ((application as PanjiyanApplication).settings.enrolled) SyncWorker.request(this)
    }
}
