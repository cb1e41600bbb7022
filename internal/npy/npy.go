// Package npy reads NumPy .npy files holding uint8 arrays, such as the video clips of Hugging Face test
// datasets (hf-internal-testing/spaghetti-video: [frames, height, width, 3] RGB).
//
// The format (numpy.lib.format): the magic "\x93NUMPY", a major and minor version byte, the header length
// (uint16 little-endian in version 1, uint32 in versions 2 and 3), then the header, a Python dict literal
// such as {'descr': '|u1', 'fortran_order': False, 'shape': (8, 360, 640, 3), } padded with spaces and a
// newline, then the raw data. Only C-order uint8 data is accepted; anything else is refused with an error
// that says what the file holds.
package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// Array is a C-order uint8 array.
type Array struct {
	Shape []int
	Data  []byte // len = product of Shape, last axis fastest
}

// maxHeader bounds the header read before it is parsed (numpy writes under 100 bytes for our arrays;
// its own reader refuses more than 10000 by default).
const maxHeader = 1 << 20

// ReadFile reads a .npy file; errors name it.
func ReadFile(path string) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	a, err := read(f, fi.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// Read reads a .npy stream of size bytes in all (-1 when unknown; then a huge shape is read as far as
// the data goes and reported as truncated).
func Read(r io.Reader, size int64) (*Array, error) { return read(r, size) }

func read(r io.Reader, size int64) (*Array, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, fmt.Errorf("npy: too short for the magic and version: %w", err)
	}
	if string(pre[:6]) != "\x93NUMPY" {
		return nil, fmt.Errorf("npy: not a .npy file (starts with %q, want \"\\x93NUMPY\")", pre[:6])
	}
	major, minor := pre[6], pre[7]
	var hlen, lenField int64 // header length, and the size of the field that holds it
	switch major {
	case 1:
		var n [2]byte
		if _, err := io.ReadFull(r, n[:]); err != nil {
			return nil, fmt.Errorf("npy: truncated header length: %w", err)
		}
		hlen, lenField = int64(binary.LittleEndian.Uint16(n[:])), 2
	case 2, 3:
		var n [4]byte
		if _, err := io.ReadFull(r, n[:]); err != nil {
			return nil, fmt.Errorf("npy: truncated header length: %w", err)
		}
		hlen, lenField = int64(binary.LittleEndian.Uint32(n[:])), 4
	default:
		return nil, fmt.Errorf("npy: format version %d.%d is not supported (1.0, 2.0 and 3.0 are)", major, minor)
	}
	if hlen > maxHeader || (size >= 0 && hlen > size) {
		return nil, fmt.Errorf("npy: header of %d bytes is larger than the file", hlen)
	}
	hdr := make([]byte, hlen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, fmt.Errorf("npy: truncated header (%d bytes announced): %w", hlen, err)
	}
	descr, fortran, shape, err := parseHeader(string(hdr))
	if err != nil {
		return nil, err
	}
	if descr != "|u1" && descr != "<u1" && descr != ">u1" && descr != "=u1" && descr != "u1" {
		return nil, fmt.Errorf("npy: dtype %q is not supported: only uint8 ('|u1') arrays are read", descr)
	}
	if fortran {
		return nil, errors.New("npy: fortran_order is True: only C-order arrays are read")
	}
	n := int64(1)
	for _, d := range shape {
		if d < 0 || (d > 0 && n > (1<<40)/int64(d)) {
			return nil, fmt.Errorf("npy: shape %v is too large", shape)
		}
		n *= int64(d)
	}
	if size >= 0 {
		if data := size - int64(len(pre)) - lenField - hlen; data != n {
			return nil, fmt.Errorf("npy: shape %v needs %d data bytes, the file has %d", shape, n, data)
		}
	}
	a := &Array{Shape: shape, Data: make([]byte, n)}
	if k, err := io.ReadFull(r, a.Data); err != nil {
		return nil, fmt.Errorf("npy: shape %v needs %d data bytes, the file has %d", shape, n, k)
	}
	return a, nil
}

var (
	descrRe   = regexp.MustCompile(`['"]descr['"]\s*:\s*['"]([^'"]*)['"]`)
	fortranRe = regexp.MustCompile(`['"]fortran_order['"]\s*:\s*(True|False)`)
	shapeRe   = regexp.MustCompile(`['"]shape['"]\s*:\s*\(([^)]*)\)`)
)

// parseHeader reads the three keys of the header dict. Structured dtypes (a list as descr) are refused.
func parseHeader(h string) (descr string, fortran bool, shape []int, err error) {
	h = strings.TrimSpace(h)
	if !strings.HasPrefix(h, "{") || !strings.HasSuffix(h, "}") {
		return "", false, nil, fmt.Errorf("npy: header %.80q is not a dict", h)
	}
	m := descrRe.FindStringSubmatch(h)
	if m == nil {
		return "", false, nil, fmt.Errorf("npy: header %.120q has no string 'descr' (structured dtypes are not supported)", h)
	}
	descr = m[1]
	f := fortranRe.FindStringSubmatch(h)
	if f == nil {
		return "", false, nil, fmt.Errorf("npy: header %.120q has no 'fortran_order'", h)
	}
	s := shapeRe.FindStringSubmatch(h)
	if s == nil {
		return "", false, nil, fmt.Errorf("npy: header %.120q has no 'shape' tuple", h)
	}
	for _, d := range strings.Split(s[1], ",") {
		d = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(d), "L"))
		if d == "" {
			continue
		}
		v, err := strconv.Atoi(d)
		if err != nil || v < 0 {
			return "", false, nil, fmt.Errorf("npy: shape (%s) has a bad dimension %q", s[1], d)
		}
		shape = append(shape, v)
	}
	return descr, f[1] == "True", shape, nil
}

// Write writes a C-order uint8 array in format version 1.0, the header padded so that the data starts
// at a multiple of 64 bytes, as numpy.save does.
func Write(w io.Writer, a *Array) error {
	dims := make([]string, len(a.Shape))
	n := 1
	for i, d := range a.Shape {
		dims[i] = strconv.Itoa(d)
		n *= d
	}
	if n != len(a.Data) {
		return fmt.Errorf("npy: shape %v holds %d bytes, the data has %d", a.Shape, n, len(a.Data))
	}
	tuple := strings.Join(dims, ", ")
	if len(dims) == 1 {
		tuple += ","
	}
	h := fmt.Sprintf("{'descr': '|u1', 'fortran_order': False, 'shape': (%s), }", tuple)
	pad := 64 - (10+len(h)+1)%64
	if pad == 64 {
		pad = 0
	}
	h += strings.Repeat(" ", pad) + "\n"
	if len(h) > 65535 {
		return errors.New("npy: header too long for format 1.0")
	}
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(len(h)))
	b.WriteString(h)
	if _, err := w.Write(b.Bytes()); err != nil {
		return err
	}
	_, err := w.Write(a.Data)
	return err
}
