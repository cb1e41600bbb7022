package gstglue

import (
	"fmt"
	"sync"

	"github.com/go-gst/go-gst/gst"
)

// PluginMetadata describes a plugin of this project (name, with init registering its elements), so
// that libgstxclip.so and each element's RegisterStatic carry the same license, source, package and
// origin; version and releaseDate are the plugin's own.
func PluginMetadata(name, description, version, releaseDate string, init gst.PluginInitFunc) *gst.PluginMetadata {
	return &gst.PluginMetadata{
		MajorVersion: gst.VersionMajor,
		MinorVersion: gst.VersionMinor,
		Name:         name,
		Description:  description,
		Version:      version,
		License:      gst.LicenseMIT,
		Source:       "xclipfilter",
		Package:      "xclipfilter",
		Origin:       "https://github.com/xclipfilter/xclipfilter",
		ReleaseDate:  releaseDate,
		Init:         init,
	}
}

// StaticRegistration returns the RegisterStatic of element: its first call registers the plugin that
// plugin describes inside the running application (gst_plugin_register_static) and every call returns
// that first call's error, since GStreamer refuses a second registration of the same plugin.
func StaticRegistration(element string, plugin func() *gst.PluginMetadata) func() error {
	return sync.OnceValue(func() error {
		m := plugin()
		if !gst.RegisterPlugin(m, m.Init) {
			return fmt.Errorf("%s: gst_plugin_register_static failed (was gst.Init called?)", element)
		}
		return nil
	})
}
