package http10

import (
	"path"
	"strings"
)

// octetStream is the type of a body whose type the server cannot tell
// (RFC 1945, 7.2.1).
const octetStream = "application/octet-stream"

// contentType returns the media type of the file name from its extension,
// or application/octet-stream. Text types say they are UTF-8, since
// RFC 1945, 3.6.1 would otherwise have the client assume ISO-8859-1.
func contentType(name string) string {
	ext := path.Ext(name)
	var lower [8]byte // the longest extension below, "markdown"
	if len(ext) > len(lower)+1 {
		return octetStream
	}
	for i := 1; i < len(ext); i++ {
		c := ext[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i-1] = c
	}
	switch string(lower[:max(len(ext)-1, 0)]) {
	case "html", "htm":
		return "text/html; charset=utf-8"
	case "css":
		return "text/css; charset=utf-8"
	case "js", "mjs":
		return "text/javascript; charset=utf-8"
	case "json":
		return "application/json"
	case "txt", "text":
		return "text/plain; charset=utf-8"
	case "md", "markdown":
		return "text/markdown; charset=utf-8"
	case "csv":
		return "text/csv; charset=utf-8"
	case "xml":
		return "application/xml"
	case "svg":
		return "image/svg+xml"
	case "png":
		return "image/png"
	case "jpg", "jpeg":
		return "image/jpeg"
	case "gif":
		return "image/gif"
	case "webp":
		return "image/webp"
	case "avif":
		return "image/avif"
	case "ico":
		return "image/vnd.microsoft.icon"
	case "pdf":
		return "application/pdf"
	case "wasm":
		return "application/wasm"
	case "woff":
		return "font/woff"
	case "woff2":
		return "font/woff2"
	case "ttf":
		return "font/ttf"
	case "otf":
		return "font/otf"
	case "mp4":
		return "video/mp4"
	case "webm":
		return "video/webm"
	case "mp3":
		return "audio/mpeg"
	case "ogg":
		return "audio/ogg"
	case "wav":
		return "audio/wav"
	case "zip":
		return "application/zip"
	case "gz":
		return "application/gzip"
	case "tar":
		return "application/x-tar"
	}
	return octetStream
}

// mediaType returns t without its parameters: "text/html; charset=utf-8"
// gives "text/html".
func mediaType(t string) string {
	if i := strings.IndexByte(t, ';'); i >= 0 {
		return t[:i]
	}
	return t
}
