package demo

// This file holds the catalogue of tasks: what a Junos Space user can do,
// where in the product it is done and how the audit log describes it. It is
// data, kept apart from the generator so that adding a task is a one-line
// change that cannot disturb the sampling code.

const (
	appNMP  = "Network Management Platform"
	appSAD  = "Services Activation Director"
	appSA   = "Service Automation"
	appREST = "REST"
)

// kind is the kind of affected object a task touches.
type kind uint8

const (
	kDevice     kind = iota // one device
	kDevices                // one to three devices
	kConfiglet              // a CLI configlet
	kTemplate               // a device template
	kImage                  // a device image, matching the device family when there is a device
	kScript                 // a script
	kUser                   // another user
	kRole                   // a role
	kReport                 // a report definition
	kConfigFile             // a configuration file version of the device
	kDomain                 // a domain below Global
	kService                // a provisioned service
	kServiceDef             // a service definition
	kJob                    // an earlier job
)

// jobKind says whether a task schedules a job and whether it may recur.
type jobKind uint8

const (
	noJob jobKind = iota
	oneJob
	recurringJob
)

// detailKind selects what goes into affected_object_detail.
type detailKind uint8

const (
	detailNone detailKind = iota
	detailSetting
	detailUser
	detailRole
)

// taskSpec describes one task. desc is a template whose {placeholders} are
// filled from the entry (see Generator.expand); it is worded so that it reads
// right whether the task succeeded or only scheduled a job.
type taskSpec struct {
	name      string
	app       string
	workspace string
	weight    int
	job       jobKind
	rest      string // REST service the task can also be called through; "" if none
	objs      []kind
	desc      string
	fail      string // failure template; "" means the generic one
	noFail    bool
	detail    detailKind
}

// tasks is weighted so that Login and Logout dominate, as they do in a real
// installation, followed by the everyday device tasks.
var tasks = []taskSpec{
	{name: "Login", app: appNMP, weight: 180, rest: "user-management",
		desc: "User {actor} logged in from {ip}.", fail: "Login failed for user {actor} from {ip}: {reason}."},
	{name: "Logout", app: appNMP, weight: 140, rest: "user-management", noFail: true,
		desc: "User {actor} logged out."},

	{name: "Discover Network Elements", app: appNMP, workspace: "Devices", weight: 12, job: recurringJob, rest: "device-management",
		objs: []kind{kDevices}, desc: "Discover Network Elements for {devices} using SSH and SNMP probes."},
	{name: "Resynchronize Device", app: appNMP, workspace: "Devices", weight: 40, job: recurringJob, rest: "device-management",
		objs: []kind{kDevices}, desc: "Resynchronize {devices} with the Junos Space configuration database."},
	{name: "Modify Device Configuration", app: appNMP, workspace: "Devices", weight: 24, rest: "configuration-management",
		objs: []kind{kDevice}, desc: "Modified the configuration of the device {device} in the schema-based configuration editor."},
	{name: "Deploy Device Configuration", app: appNMP, workspace: "Devices", weight: 18, job: oneJob, rest: "configuration-management",
		objs: []kind{kDevices}, desc: "Deploy pending configuration changes to {devices}."},
	{name: "Modify Device Authentication", app: appNMP, workspace: "Devices", weight: 5, job: oneJob,
		objs: []kind{kDevices}, desc: "Modify device authentication on {devices} to key-based SSH."},
	{name: "Resolve Key Conflicts", app: appNMP, workspace: "Devices", weight: 3, job: oneJob,
		objs: []kind{kDevices}, desc: "Resolve SSH key conflicts for {devices} by accepting the new host key."},
	{name: "Reboot Device", app: appNMP, workspace: "Devices", weight: 3, job: oneJob, rest: "device-management",
		objs: []kind{kDevice}, desc: "Reboot the device {device}."},
	{name: "Delete Device", app: appNMP, workspace: "Devices", weight: 2, rest: "device-management",
		objs: []kind{kDevice}, desc: "Deleted the device {device} from Junos Space."},
	{name: "Add Unmanaged Device", app: appNMP, workspace: "Devices", weight: 2,
		objs: []kind{kDevice}, desc: "Added the unmanaged device {device}."},
	{name: "Assign Device to Domain", app: appNMP, workspace: "Devices", weight: 3,
		objs: []kind{kDevices, kDomain}, desc: "Assigned {devices} to the domain {domain}."},
	{name: "Tag Device", app: appNMP, workspace: "Devices", weight: 4, rest: "tag-management",
		objs: []kind{kDevices}, desc: "Tagged {devices} with {tag}."},
	{name: "Export Device Inventory", app: appNMP, workspace: "Devices", weight: 2, job: oneJob,
		desc: "Export the device inventory of the domain {dom} to CSV."},

	{name: "Backup Configuration Files", app: appNMP, workspace: "Config Files", weight: 10, job: recurringJob, rest: "config-file-management",
		objs: []kind{kDevices}, desc: "Back up the configuration files of {devices}."},
	{name: "Restore Configuration", app: appNMP, workspace: "Config Files", weight: 3, job: oneJob, rest: "config-file-management",
		objs: []kind{kDevice, kConfigFile}, desc: "Restore the configuration file {cfgfile} to the device {device}."},
	{name: "Compare Configuration Files", app: appNMP, workspace: "Config Files", weight: 3,
		objs: []kind{kDevice, kConfigFile}, desc: "Compared {cfgfile} with the running configuration of {device}."},

	{name: "Create Template", app: appNMP, workspace: "Device Templates", weight: 3,
		objs: []kind{kTemplate}, desc: "Created the device template {template}."},
	{name: "Modify Template", app: appNMP, workspace: "Device Templates", weight: 4,
		objs: []kind{kTemplate}, desc: "Modified the device template {template}."},
	{name: "Deploy Template", app: appNMP, workspace: "Device Templates", weight: 10, job: oneJob, rest: "configuration-management",
		objs: []kind{kTemplate, kDevices}, desc: "Deploy the device template {template} to {devices}."},
	{name: "Delete Template", app: appNMP, workspace: "Device Templates", weight: 1,
		objs: []kind{kTemplate}, desc: "Deleted the device template {template}."},
	{name: "Publish Template Definition", app: appNMP, workspace: "Device Templates", weight: 2,
		objs: []kind{kTemplate}, desc: "Published the template definition of {template}."},

	{name: "Create CLI Configlet", app: appNMP, workspace: "CLI Configlets", weight: 4,
		objs: []kind{kConfiglet}, desc: "Created the CLI configlet {configlet}."},
	{name: "Modify CLI Configlet", app: appNMP, workspace: "CLI Configlets", weight: 4,
		objs: []kind{kConfiglet}, desc: "Modified the CLI configlet {configlet}."},
	{name: "Apply CLI Configlet", app: appNMP, workspace: "CLI Configlets", weight: 30, job: oneJob, rest: "configuration-management",
		objs: []kind{kConfiglet, kDevice}, desc: "Apply CLI Configlet operation initiated for the configlet {configlet} on the device {device}."},
	{name: "Validate CLI Configlet", app: appNMP, workspace: "CLI Configlets", weight: 14, job: oneJob, rest: "configuration-management",
		objs: []kind{kConfiglet, kDevice}, desc: "Validate CLI Configlet operation initiated for the configlet {configlet} on the device {device}."},
	{name: "Delete CLI Configlet", app: appNMP, workspace: "CLI Configlets", weight: 1,
		objs: []kind{kConfiglet}, desc: "Deleted the CLI configlet {configlet}."},
	{name: "Import CLI Configlets", app: appNMP, workspace: "CLI Configlets", weight: 1,
		objs: []kind{kConfiglet}, desc: "Imported CLI configlets from configlets-export.xml, including {configlet}."},

	{name: "Import Image", app: appNMP, workspace: "Images and Scripts", weight: 3, rest: "software-management",
		objs: []kind{kImage}, desc: "Imported the device image {image}."},
	{name: "Stage Image", app: appNMP, workspace: "Images and Scripts", weight: 8, job: oneJob, rest: "software-management",
		objs: []kind{kDevices, kImage}, desc: "Stage the image {image} on {devices}."},
	{name: "Deploy Device Image", app: appNMP, workspace: "Images and Scripts", weight: 8, job: oneJob, rest: "software-management",
		objs: []kind{kDevices, kImage}, desc: "Deploy the image {image} to {devices} with validation and reboot."},
	{name: "Verify Image Checksum", app: appNMP, workspace: "Images and Scripts", weight: 3, job: oneJob,
		objs: []kind{kDevices, kImage}, desc: "Verify the checksum of {image} on {devices}."},
	{name: "Delete Image", app: appNMP, workspace: "Images and Scripts", weight: 1,
		objs: []kind{kImage}, desc: "Deleted the device image {image}."},
	{name: "Import Script", app: appNMP, workspace: "Images and Scripts", weight: 2,
		objs: []kind{kScript}, desc: "Imported the script {script}."},
	{name: "Modify Script", app: appNMP, workspace: "Images and Scripts", weight: 2,
		objs: []kind{kScript}, desc: "Modified the script {script}."},
	{name: "Stage Script", app: appNMP, workspace: "Images and Scripts", weight: 4, job: oneJob, rest: "script-management",
		objs: []kind{kScript, kDevices}, desc: "Stage the script {script} on {devices}."},
	{name: "Enable Script", app: appNMP, workspace: "Images and Scripts", weight: 3, job: oneJob,
		objs: []kind{kScript, kDevices}, desc: "Enable the script {script} on {devices}."},
	{name: "Execute Script", app: appNMP, workspace: "Images and Scripts", weight: 15, job: oneJob, rest: "script-management",
		objs: []kind{kScript, kDevices}, desc: "Execute the script {script} on {devices}."},

	{name: "Cancel Job", app: appNMP, workspace: "Jobs", weight: 3, rest: "job-management",
		objs: []kind{kJob}, desc: "Canceled the job {refjob}."},
	{name: "Reschedule Job", app: appNMP, workspace: "Jobs", weight: 2,
		objs: []kind{kJob}, desc: "Rescheduled the job {refjob}."},
	{name: "Retry Job on Failed Devices", app: appNMP, workspace: "Jobs", weight: 2, job: oneJob,
		objs: []kind{kJob}, desc: "Retry the job {refjob} on the devices where it failed."},

	{name: "Export Audit Logs", app: appNMP, workspace: "Audit Logs", weight: 5, job: oneJob, rest: "audit-log-management",
		desc: "Export the audit logs of the domain {dom} to CSV."},
	{name: "Archive Audit Logs", app: appNMP, workspace: "Audit Logs", weight: 2, job: recurringJob, rest: "audit-log-management",
		desc: "Archive audit logs older than {days} days to the local archive."},
	{name: "Purge Audit Logs", app: appNMP, workspace: "Audit Logs", weight: 1, job: oneJob,
		desc: "Purge audit logs older than {days} days."},
	{name: "Modify Audit Log Forwarding", app: appNMP, workspace: "Audit Logs", weight: 1,
		desc: "Modified the audit log forwarding criteria of the syslog server 10.10.5.20."},

	{name: "Modify Application Settings", app: appNMP, workspace: "Administration", weight: 3,
		desc: "Modified the {setting} setting of {setapp}.", detail: detailSetting},
	{name: "Backup Database", app: appNMP, workspace: "Administration", weight: 2, job: recurringJob,
		desc: "Back up the Junos Space database to the remote server backup01."},
	{name: "Install License", app: appNMP, workspace: "Administration", weight: 1,
		desc: "Installed a Network Management Platform license for 500 devices."},
	{name: "Add Fabric Node", app: appNMP, workspace: "Administration", weight: 1, job: oneJob,
		desc: "Add the node space-node-3 to the Junos Space fabric."},
	{name: "Add Authentication Server", app: appNMP, workspace: "Administration", weight: 1,
		desc: "Added the RADIUS authentication server 10.10.8.11."},
	{name: "Upload X.509 Certificate", app: appNMP, workspace: "Administration", weight: 1,
		desc: "Uploaded a new X.509 server certificate for the web interface."},

	{name: "Add User", app: appNMP, workspace: "Users and Roles", weight: 3, rest: "user-management",
		objs: []kind{kUser}, desc: "Added the user {user}."},
	{name: "Modify User", app: appNMP, workspace: "Users and Roles", weight: 4,
		objs: []kind{kUser}, desc: "Modified the user {user}.", detail: detailUser},
	{name: "Delete User", app: appNMP, workspace: "Users and Roles", weight: 1,
		objs: []kind{kUser}, desc: "Deleted the user {user}."},
	{name: "Unlock User", app: appNMP, workspace: "Users and Roles", weight: 2,
		objs: []kind{kUser}, desc: "Unlocked the user {user} after repeated failed logins."},
	{name: "Change Password", app: appNMP, workspace: "Users and Roles", weight: 3,
		desc: "User {actor} changed the password."},
	{name: "Create Role", app: appNMP, workspace: "Users and Roles", weight: 1,
		objs: []kind{kRole}, desc: "Created the role {role}.", detail: detailRole},
	{name: "Modify Role", app: appNMP, workspace: "Users and Roles", weight: 1,
		objs: []kind{kRole}, desc: "Modified the role {role}."},
	{name: "Create Domain", app: appNMP, workspace: "Users and Roles", weight: 1,
		objs: []kind{kDomain}, desc: "Created the domain {domain}."},
	{name: "Assign Users to Domain", app: appNMP, workspace: "Users and Roles", weight: 1,
		objs: []kind{kUser, kDomain}, desc: "Assigned the user {user} to the domain {domain}."},

	{name: "Acknowledge Alarm", app: appNMP, workspace: "Network Monitoring", weight: 5,
		objs: []kind{kDevice}, desc: "Acknowledged the {alarm} alarm on the device {device}."},
	{name: "Modify Node Monitoring", app: appNMP, workspace: "Network Monitoring", weight: 2,
		objs: []kind{kDevice}, desc: "Changed monitoring of the device {device} to SNMPv3 polling every 5 minutes."},

	{name: "Create Report", app: appNMP, workspace: "Reports", weight: 2,
		objs: []kind{kReport}, desc: "Created the report definition {report}."},
	{name: "Generate Report", app: appNMP, workspace: "Reports", weight: 4, job: recurringJob,
		objs: []kind{kReport}, desc: "Generate the report {report} in PDF format."},
	{name: "Delete Report", app: appNMP, workspace: "Reports", weight: 1,
		objs: []kind{kReport}, desc: "Deleted the report definition {report}."},

	{name: "Publish Service Definition", app: appSAD, workspace: "Service Design", weight: 1,
		objs: []kind{kServiceDef}, desc: "Published the service definition {servicedef}."},
	{name: "Create Service Order", app: appSAD, workspace: "Service Provisioning", weight: 3,
		objs: []kind{kServiceDef, kService}, desc: "Created a service order for {service} from the definition {servicedef}."},
	{name: "Deploy Service Order", app: appSAD, workspace: "Service Provisioning", weight: 4, job: oneJob,
		objs: []kind{kService, kDevices}, desc: "Deploy the service order {service} to {devices}."},
	{name: "Decommission Service", app: appSAD, workspace: "Service Provisioning", weight: 1, job: oneJob,
		objs: []kind{kService}, desc: "Decommission the service {service}."},
	{name: "Perform Functional Audit", app: appSAD, workspace: "Service Provisioning", weight: 2, job: recurringJob,
		objs: []kind{kService}, desc: "Run a functional audit of the service {service}."},

	{name: "Collect Device Snapshot", app: appSA, workspace: "Service Now", weight: 2, job: oneJob,
		objs: []kind{kDevice}, desc: "Collect an RSI and core-file snapshot from {device} for Juniper support."},
	{name: "Submit Case", app: appSA, workspace: "Incidents", weight: 1,
		objs: []kind{kDevice}, desc: "Submitted a support case to Juniper for the device {device}."},
	{name: "Generate Exposure Analyzer Report", app: appSA, workspace: "Service Insight", weight: 1, job: oneJob,
		desc: "Generate the Exposure Analyzer report for the domain {dom}."},
}

// Failure reasons. Device reasons are used when the task touched a device.
var (
	loginReasons = []string{
		"invalid credentials", "invalid credentials", "invalid credentials",
		"account is locked after 4 failed login attempts",
		"password has expired",
		"the authentication server did not respond",
	}
	deviceReasons = []string{
		"device is not connected",
		"commit check failed",
		"connection timed out after 120 seconds",
		"authentication failed on the device",
		"configuration database is locked by another user",
		"insufficient disk space on /var",
	}
	genericReasons = []string{
		"permission denied for the user's role",
		"object was modified by another user",
		"internal server error, see the job details",
		"validation failed",
	}
)

// setting is an application setting and the values it plausibly takes.
type setting struct {
	app    string
	name   string
	values []string
}

var settings = []setting{
	{appNMP, "Max Login Attempts", []string{"3", "4", "5", "6"}},
	{appNMP, "Session Timeout (minutes)", []string{"15", "30", "60", "120"}},
	{appNMP, "Audit Log Retention (days)", []string{"90", "180", "365"}},
	{appNMP, "Password Minimum Length", []string{"8", "10", "12", "14"}},
	{appNMP, "Auto Resynchronize Devices", []string{"true", "false"}},
	{appNMP, "Max Concurrent Jobs", []string{"10", "20", "50"}},
	{appNMP, "Device Polling Interval (seconds)", []string{"300", "600", "900"}},
	{appSAD, "Email Notification on Job Failure", []string{"true", "false"}},
	{appSAD, "Service Order Approval Required", []string{"true", "false"}},
	{appSA, "Auto Submit Cases", []string{"true", "false"}},
}

var (
	userFields  = []string{"Roles", "Domains", "Email", "Status"}
	recurrences = []string{
		"Recurrence: every 1 day at 02:00 UTC, no end date.",
		"Recurrence: every 7 days on Sunday at 03:30 UTC, no end date.",
		"Recurrence: every 6 hours, until the end of the month.",
		"Recurrence: every 1 day at 23:00 UTC for 30 occurrences.",
	}
	jobText = []string{
		"Scheduled to start immediately.",
		"Scheduled to start in the next maintenance window.",
		"Triggered by a Service Automation workflow.",
	}
	deviceText = []string{
		"Devices selected by tag site=ams.",
		"Initiated from the inventory view.",
		"Started from a saved filter in the device list.",
	}
	tags   = []string{"core", "site=ams", "site=sin", "pci", "maintenance", "decommission"}
	alarms = []string{"Link Down", "High CPU", "Fan Failure", "PEM Input Failure", "BGP Peer Down", "Temperature Warm"}
)
