package org.panjiyan.ui.screens

import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.input.PasswordVisualTransformation
import org.panjiyan.ui.components.BigButton
import org.panjiyan.ui.components.ErrorText
import org.panjiyan.ui.components.Screen
import org.panjiyan.ui.state.SignInUi
import org.panjiyan.ui.text.Strings

/** Sign in with the Samagra portal's credentials; this enrols the phone with the server. */
@Composable
fun SignInScreen(
    ui: SignInUi,
    strings: Strings,
    onLanguage: (String) -> Unit,
    onServer: (String) -> Unit,
    onUser: (String) -> Unit,
    onPassword: (String) -> Unit,
    onSignIn: () -> Unit,
) {
    Screen(strings.signInTitle, strings, onBack = null, onLanguage = onLanguage, busy = ui.busy) {
        Text(strings.signInIntro, style = MaterialTheme.typography.bodyLarge)
        OutlinedTextField(
            ui.server, onServer, Modifier.fillMaxWidth(),
            label = { Text(strings.serverLabel) }, singleLine = true,
            keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Uri),
        )
        OutlinedTextField(
            ui.user, onUser, Modifier.fillMaxWidth(),
            label = { Text(strings.userLabel) }, singleLine = true,
        )
        OutlinedTextField(
            ui.password, onPassword, Modifier.fillMaxWidth(),
            label = { Text(strings.passwordLabel) }, singleLine = true,
            visualTransformation = PasswordVisualTransformation(),
            keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Password),
        )
        ui.error?.let { ErrorText(it.text(strings)) }
        BigButton(strings.signInButton, onSignIn, enabled = !ui.busy)
    }
}
