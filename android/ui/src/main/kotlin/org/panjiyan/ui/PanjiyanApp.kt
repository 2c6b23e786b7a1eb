package org.panjiyan.ui

import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import java.time.Instant
import kotlinx.coroutines.launch
import org.panjiyan.ui.screens.FindScreen
import org.panjiyan.ui.screens.HomeScreen
import org.panjiyan.ui.screens.OutboxScreen
import org.panjiyan.ui.screens.PacksScreen
import org.panjiyan.ui.screens.RegisterActions
import org.panjiyan.ui.screens.RegisterScreen
import org.panjiyan.ui.screens.SignInScreen
import org.panjiyan.ui.screens.StatusScreen
import org.panjiyan.ui.state.AppModel
import org.panjiyan.ui.state.FormFields
import org.panjiyan.ui.state.Route
import org.panjiyan.ui.theme.PanjiyanTheme
import uniffi.panjiyan_ffi.Occupation

/** The whole app: the same composable in the Android activity and in the desktop tests. */
@Composable
fun PanjiyanApp(model: AppModel) {
    val strings by model.strings.collectAsState()
    val stack by model.route.collectAsState()
    val route = stack.last()
    val scope = rememberCoroutineScope()
    val lang: (String) -> Unit = model::language
    val back: () -> Unit = { model.back() }
    LaunchedEffect(route) { model.refresh(route) }

    PanjiyanTheme {
        when (route) {
            Route.SignIn -> {
                val ui by model.signIn.ui.collectAsState()
                SignInScreen(
                    ui, strings, lang, model.signIn::server, model.signIn::user, model.signIn::password,
                    onSignIn = { scope.launch { if (model.signIn.signIn()) model.reset(Route.Home) } },
                )
            }
            Route.Home -> {
                val home by model.home.ui.collectAsState()
                val sync by model.sync.ui.collectAsState()
                HomeScreen(
                    home, sync, strings, Instant.now(), lang,
                    onFind = { model.find.clear(); model.go(Route.Find) },
                    onPacks = { model.go(Route.Packs) },
                    onOutbox = { model.go(Route.Outbox) },
                    onStatus = { model.go(Route.Status) },
                    onSyncNow = { if (!sync.running) scope.launch { model.sync.syncNow(); model.home.refresh() } },
                    onStartCamp = { id -> scope.launch { model.home.startCamp(id) } },
                    onStartUnplannedCamp = { unit -> scope.launch { model.home.startUnplannedCamp(unit) } },
                )
            }
            Route.Packs -> {
                val ui by model.packs.ui.collectAsState()
                PacksScreen(
                    ui, strings, Instant.now(), back, lang,
                    onDownload = { code -> scope.launch { model.packs.download(code) } },
                    onDownloadAll = { scope.launch { model.packs.downloadAllNeeded() } },
                    onStop = model.packs::stop,
                )
            }
            Route.Find -> {
                val ui by model.find.ui.collectAsState()
                FindScreen(
                    ui, strings, back, lang,
                    onDigit = model.find::digit, onDelete = model.find::deleteDigit, onClear = model.find::clear,
                    onFind = { scope.launch { model.find.findById() } },
                    onByName = model.find::byName,
                    onQuery = { q -> scope.launch { model.find.search(q) } },
                    onShowFamily = { id -> scope.launch { model.find.showFamily(id) } },
                    onRegister = { id ->
                        scope.launch { model.register.start(id) }
                        model.go(Route.Register)
                    },
                )
            }
            Route.Register -> {
                val ui by model.register.ui.collectAsState()
                val actions = remember(model) {
                    object : RegisterActions {
                        override fun edit(field: String, change: (FormFields) -> FormFields) {
                            scope.launch { model.register.edit(field, change) }
                        }
                        override fun occupationQuery(q: String) { scope.launch { model.register.occupationQuery(q) } }
                        override fun chooseOccupation(o: Occupation?) { scope.launch { model.register.chooseOccupation(o) } }
                        override fun review() = model.register.review()
                        override fun backToEdit() = model.register.backToEdit()
                        override fun save(acknowledge: Boolean) { scope.launch { model.register.finalise(acknowledge) } }
                        override fun discard() { scope.launch { model.register.discard(); model.back() } }
                        override fun next() {
                            model.find.clear()
                            model.reset(Route.Home)
                            model.go(Route.Find)
                        }
                    }
                }
                RegisterScreen(ui, strings, back, lang, actions)
            }
            Route.Outbox -> {
                val ui by model.registrations.ui.collectAsState()
                val sync by model.sync.ui.collectAsState()
                OutboxScreen(
                    ui, sync, strings, Instant.now(), back, lang,
                    onSyncNow = { if (!sync.running) scope.launch { model.sync.syncNow(); model.registrations.refresh() } },
                    onContinue = { id ->
                        scope.launch { model.register.resume(id) }
                        model.go(Route.Register)
                    },
                    onFix = { id ->
                        scope.launch {
                            model.registrations.fix(id)?.let { draft ->
                                model.register.resume(draft)
                                model.go(Route.Register)
                            }
                        }
                    },
                )
            }
            Route.Status -> {
                val ui by model.registrations.ui.collectAsState()
                StatusScreen(ui, strings, back, lang, model.registrations::filter)
            }
        }
    }
}
