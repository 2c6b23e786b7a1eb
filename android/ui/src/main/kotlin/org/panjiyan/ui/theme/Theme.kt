package org.panjiyan.ui.theme

import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Typography
import androidx.compose.material3.lightColorScheme
import androidx.compose.runtime.Composable
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.text.TextStyle
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import androidx.compose.ui.unit.sp

/** Colours with strong contrast for bright sunlight at outdoor camps. */
private val Colors = lightColorScheme(
    primary = Color(0xFF1A4A8A),
    onPrimary = Color.White,
    primaryContainer = Color(0xFFD6E3FF),
    onPrimaryContainer = Color(0xFF001B3E),
    secondary = Color(0xFFB35A00),
    onSecondary = Color.White,
    secondaryContainer = Color(0xFFFFE0C2),
    onSecondaryContainer = Color(0xFF3A1B00),
    tertiary = Color(0xFF1E6B2F),
    tertiaryContainer = Color(0xFFCDEFD0),
    onTertiaryContainer = Color(0xFF002109),
    error = Color(0xFFB3261E),
    errorContainer = Color(0xFFFFDAD6),
    onErrorContainer = Color(0xFF410002),
    background = Color(0xFFFBFBFF),
    surface = Color(0xFFFBFBFF),
    surfaceVariant = Color(0xFFE8ECF4),
)

/** Larger than Material's defaults, with room for Devanagari's marks above and below. */
private val Type = Typography(
    headlineSmall = TextStyle(fontSize = 24.sp, lineHeight = 34.sp, fontWeight = FontWeight.Bold),
    titleLarge = TextStyle(fontSize = 22.sp, lineHeight = 32.sp, fontWeight = FontWeight.SemiBold),
    titleMedium = TextStyle(fontSize = 19.sp, lineHeight = 28.sp, fontWeight = FontWeight.SemiBold),
    bodyLarge = TextStyle(fontSize = 18.sp, lineHeight = 27.sp),
    bodyMedium = TextStyle(fontSize = 16.sp, lineHeight = 24.sp),
    labelLarge = TextStyle(fontSize = 18.sp, lineHeight = 24.sp, fontWeight = FontWeight.SemiBold),
)

/** The smallest height of anything a finger presses: bigger than Material's 48 dp. */
val TouchTarget = 56.dp

@Composable
fun PanjiyanTheme(content: @Composable () -> Unit) {
    MaterialTheme(colorScheme = Colors, typography = Type, content = content)
}
