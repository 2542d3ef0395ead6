// Stand-in of MIM 2016's interface assembly Microsoft.MetadirectoryServicesEx (AssemblyVersion 4.1.4.0).
// Build and test only: never deployed to a MIM server, where the real DLL from Bin\Assemblies is loaded.
// Surface and managed behaviour follow ../shared/docs/ecma2-api.md (sections 1-14, 19, Appendix A).
using System;
using System.Runtime.InteropServices;

[assembly: CLSCompliant(false)]
[assembly: ComVisible(false)]
