package org.panjiyan.ui.components

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ColumnScope
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.WindowInsets
import androidx.compose.foundation.layout.WindowInsetsSides
import androidx.compose.foundation.layout.only
import androidx.compose.foundation.layout.safeDrawing
import androidx.compose.foundation.layout.windowInsetsPadding
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.ButtonDefaults
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.dp
import org.panjiyan.ui.text.Strings
import org.panjiyan.ui.theme.TouchTarget

/**
 * One screen: a title bar (back, title, language switch) over a scrolling column. Every screen
 * scrolls, so that nothing is cut off on a small phone or with a large system font.
 */
@Composable
fun Screen(
    title: String,
    strings: Strings,
    onBack: (() -> Unit)?,
    onLanguage: ((String) -> Unit)?,
    busy: Boolean = false,
    content: @Composable ColumnScope.() -> Unit,
) {
    Surface(Modifier.fillMaxSize(), color = MaterialTheme.colorScheme.background) {
        Column(Modifier.fillMaxSize()) {
            // Android 15 draws apps edge to edge: the title bar's colour runs up under the
            // status bar, its buttons stay below it. (On the desktop the insets are zero.)
            Row(
                Modifier.fillMaxWidth().background(MaterialTheme.colorScheme.primary)
                    .windowInsetsPadding(WindowInsets.safeDrawing.only(WindowInsetsSides.Top + WindowInsetsSides.Horizontal))
                    .heightIn(min = TouchTarget).padding(horizontal = 4.dp),
                verticalAlignment = Alignment.CenterVertically,
            ) {
                if (onBack != null) {
                    TextButton(onClick = onBack, modifier = Modifier.heightIn(min = TouchTarget)) {
                        Text("‹ " + strings.back, color = MaterialTheme.colorScheme.onPrimary)
                    }
                } else {
                    Spacer(Modifier.width(12.dp))
                }
                Text(
                    title,
                    style = MaterialTheme.typography.titleLarge,
                    color = MaterialTheme.colorScheme.onPrimary,
                    modifier = Modifier.weight(1f).semantics { heading() },
                    maxLines = 2,
                    overflow = TextOverflow.Ellipsis,
                )
                if (onLanguage != null) LanguageSwitch(strings, onLanguage)
            }
            if (busy) LinearProgressIndicator(Modifier.fillMaxWidth())
            Column(
                Modifier.fillMaxSize()
                    .windowInsetsPadding(WindowInsets.safeDrawing.only(WindowInsetsSides.Bottom + WindowInsetsSides.Horizontal))
                    .verticalScroll(rememberScrollState()).padding(16.dp),
                verticalArrangement = Arrangement.spacedBy(12.dp),
                content = content,
            )
        }
    }
}

/** Each language named in itself, so that a reader of either finds their own. */
@Composable
fun LanguageSwitch(strings: Strings, onLanguage: (String) -> Unit) {
    val other = if (strings.code == "en") "hi" else "en"
    TextButton(
        onClick = { onLanguage(other) },
        modifier = Modifier.heightIn(min = TouchTarget).semantics { contentDescription = strings.chooseLanguage },
    ) {
        Text(if (other == "hi") "हिंदी" else "English", color = MaterialTheme.colorScheme.onPrimary)
    }
}

@Composable
fun BigButton(text: String, onClick: () -> Unit, modifier: Modifier = Modifier, enabled: Boolean = true) {
    Button(
        onClick = onClick,
        enabled = enabled,
        modifier = modifier.fillMaxWidth().heightIn(min = TouchTarget),
    ) { Text(text, style = MaterialTheme.typography.labelLarge) }
}

@Composable
fun SecondButton(text: String, onClick: () -> Unit, modifier: Modifier = Modifier, enabled: Boolean = true) {
    OutlinedButton(
        onClick = onClick,
        enabled = enabled,
        modifier = modifier.fillMaxWidth().heightIn(min = TouchTarget),
    ) { Text(text, style = MaterialTheme.typography.labelLarge) }
}

@Composable
fun WarningButton(text: String, onClick: () -> Unit, modifier: Modifier = Modifier) {
    Button(
        onClick = onClick,
        colors = ButtonDefaults.buttonColors(containerColor = MaterialTheme.colorScheme.secondary),
        modifier = modifier.fillMaxWidth().heightIn(min = TouchTarget),
    ) { Text(text, style = MaterialTheme.typography.labelLarge) }
}

enum class Tone { Neutral, Good, Waiting, Bad }

/** A card whose colour says at a glance whether all is well (green), waiting (saffron) or wrong (red). */
@Composable
fun Note(tone: Tone, modifier: Modifier = Modifier, content: @Composable ColumnScope.() -> Unit) {
    val scheme = MaterialTheme.colorScheme
    val (bg, fg) = when (tone) {
        Tone.Neutral -> scheme.surfaceVariant to scheme.onSurface
        Tone.Good -> scheme.tertiaryContainer to scheme.onTertiaryContainer
        Tone.Waiting -> scheme.secondaryContainer to scheme.onSecondaryContainer
        Tone.Bad -> scheme.errorContainer to scheme.onErrorContainer
    }
    Card(
        modifier.fillMaxWidth(),
        colors = CardDefaults.cardColors(containerColor = bg, contentColor = fg),
    ) { Column(Modifier.padding(14.dp), verticalArrangement = Arrangement.spacedBy(6.dp), content = content) }
}

@Composable
fun NoteText(text: String, strong: Boolean = false) {
    Text(
        text,
        style = if (strong) MaterialTheme.typography.titleMedium else MaterialTheme.typography.bodyLarge,
        fontWeight = if (strong) FontWeight.SemiBold else null,
    )
}

@Composable
fun SectionTitle(text: String) {
    Text(
        text,
        style = MaterialTheme.typography.titleMedium,
        color = MaterialTheme.colorScheme.primary,
        modifier = Modifier.padding(top = 8.dp).semantics { heading() },
    )
}

@Composable
fun ErrorText(text: String) {
    Text(text, color = MaterialTheme.colorScheme.error, style = MaterialTheme.typography.bodyMedium)
}

/** A small coloured label, e.g. a registration state. */
@Composable
fun Badge(text: String, tone: Tone) {
    val scheme = MaterialTheme.colorScheme
    val bg = when (tone) {
        Tone.Neutral -> scheme.surfaceVariant
        Tone.Good -> scheme.tertiaryContainer
        Tone.Waiting -> scheme.secondaryContainer
        Tone.Bad -> scheme.errorContainer
    }
    Text(
        text,
        style = MaterialTheme.typography.bodyMedium,
        fontWeight = FontWeight.SemiBold,
        color = Color.Black,
        modifier = Modifier.background(bg, MaterialTheme.shapes.small).padding(horizontal = 8.dp, vertical = 2.dp),
    )
}

/** The tone of a registration state. */
fun toneOf(state: String): Tone = when (state) {
    "approved", "synced", "pending_approval" -> Tone.Good
    "rejected", "refused", "duplicate" -> Tone.Bad
    "queued", "draft" -> Tone.Waiting
    else -> Tone.Neutral
}
