// Draws a composable off screen (no display needed) at a phone's size and keeps it as a PNG
// under target/screens, printing the path so the test log lists every picture.

import androidx.compose.runtime.Composable
import androidx.compose.ui.ImageComposeScene
import androidx.compose.ui.unit.Density
import java.io.File
import org.jetbrains.skia.EncodedImageFormat
import org.jetbrains.skia.Image
import org.panjiyan.ui.theme.PanjiyanTheme

/** A 360 dp wide phone at density 2 (720 px), the narrow end of the phones at camps. */
const val PHONE_WIDTH_DP = 360
const val PHONE_HEIGHT_DP = 800
const val DENSITY = 2f

val renderDir: File = File(System.getProperty("panjiyan.renders") ?: "target/screens").apply { mkdirs() }

class Render(val file: File, val pixels: IntArray, val width: Int, val height: Int) {
    /** How many different colours the picture has: a blank or single-colour screen has very few. */
    val colours: Int get() = pixels.toSet().size

    /** The share of pixels that differ from another render of the same size. */
    fun differenceFrom(other: Render): Double {
        require(width == other.width && height == other.height)
        return pixels.indices.count { pixels[it] != other.pixels[it] }.toDouble() / pixels.size
    }
}

fun render(name: String, heightDp: Int = PHONE_HEIGHT_DP, content: @Composable () -> Unit): Render {
    val w = (PHONE_WIDTH_DP * DENSITY).toInt()
    val h = (heightDp * DENSITY).toInt()
    val scene = ImageComposeScene(w, h, Density(DENSITY)) { PanjiyanTheme { content() } }
    try {
        // Two frames: the first lays out, the second draws what the first measured.
        scene.render(0)
        val image: Image = scene.render(16_000_000)
        val file = File(renderDir, "$name.png")
        file.writeBytes(image.encodeToData(EncodedImageFormat.PNG)!!.bytes)
        val bitmap = org.jetbrains.skia.Bitmap.makeFromImage(image)
        val pixels = IntArray(w * h) { i -> bitmap.getColor(i % w, i / w) }
        println("screen render: ${file.absolutePath}")
        return Render(file, pixels, w, h)
    } finally {
        scene.close()
    }
}
